// Key Vault access policies: PUT .../vaults/{vault}/accessPolicies/{add|replace|remove} (https://learn.microsoft.com/en-us/rest/api/keyvault/keyvault/vaults/update-access-policy), and the
// permission vocabulary shared with vault PUT bodies.
import { z } from "zod";
import type { AccessPolicyRecord } from "../world.js";
import { requireResourceGroup } from "./arm-scope.js";
import { readJson, type RouteContext, type RouteResult } from "./context.js";
import { badRequest, resourceNotFound } from "./problems.js";
import { findLiveVault } from "./vault-lookup.js";

// Responses spell permissions in camelCase whatever case the caller used (spec KeyPermissions, keyvault
// resource-manager/Microsoft.KeyVault/KeyVault/stable/2026-02-01/openapi.json).
const KEY_PERMISSIONS = [
  "all",
  "encrypt",
  "decrypt",
  "wrapKey",
  "unwrapKey",
  "sign",
  "verify",
  "get",
  "list",
  "create",
  "update",
  "import",
  "delete",
  "backup",
  "restore",
  "recover",
  "purge",
  "release",
  "rotate",
  "getrotationpolicy",
  "setrotationpolicy",
];
const SECRET_PERMISSIONS = ["all", "get", "list", "set", "delete", "backup", "restore", "recover", "purge"];
const CERTIFICATE_PERMISSIONS = [
  "all",
  "get",
  "list",
  "delete",
  "create",
  "import",
  "update",
  "managecontacts",
  "getissuers",
  "listissuers",
  "setissuers",
  "deleteissuers",
  "manageissuers",
  "recover",
  "purge",
  "backup",
  "restore",
];

function canonical(kind: string, vocabulary: string[], values: string[] | undefined): string[] {
  const out: string[] = [];
  for (const value of values ?? []) {
    const match = vocabulary.find((p) => p.toLowerCase() === value.toLowerCase());
    if (!match) throw badRequest(`'${value}' is not a valid ${kind} permission.`, "BadRequest");
    if (!out.includes(match)) out.push(match);
  }
  return out;
}

export const accessPolicySchema = z
  .object({
    tenantId: z.string().min(1),
    objectId: z.string().min(1),
    applicationId: z.string().nullable().optional(),
    permissions: z
      .object({
        keys: z.array(z.string()).nullable().optional(),
        secrets: z.array(z.string()).nullable().optional(),
        certificates: z.array(z.string()).nullable().optional(),
      })
      .loose(),
  })
  .loose();

export type AccessPolicyInput = z.infer<typeof accessPolicySchema>;

export function toAccessPolicyRecord(input: AccessPolicyInput): AccessPolicyRecord {
  return {
    tenantId: input.tenantId,
    objectId: input.objectId,
    permissions: {
      keys: canonical("key", KEY_PERMISSIONS, input.permissions.keys ?? undefined),
      secrets: canonical("secret", SECRET_PERMISSIONS, input.permissions.secrets ?? undefined),
      certificates: canonical("certificate", CERTIFICATE_PERMISSIONS, input.permissions.certificates ?? undefined),
    },
  };
}

/** Every entry carries `permissions`: the SDK's deserializer reads it unconditionally. */
export function accessPolicyBody(policy: AccessPolicyRecord): unknown {
  return {
    tenantId: policy.tenantId,
    objectId: policy.objectId,
    permissions: {
      keys: [...policy.permissions.keys],
      secrets: [...policy.permissions.secrets],
      certificates: [...policy.permissions.certificates],
    },
  };
}

const bodySchema = z.object({ properties: z.object({ accessPolicies: z.array(accessPolicySchema) }).loose() }).loose();

type Kind = "add" | "replace" | "remove";
type PermissionSet = keyof AccessPolicyRecord["permissions"];
const SETS: PermissionSet[] = ["keys", "secrets", "certificates"];

function applyPolicy(policies: AccessPolicyRecord[], change: AccessPolicyRecord, kind: Kind): AccessPolicyRecord[] {
  const same = (p: AccessPolicyRecord) =>
    p.objectId.toLowerCase() === change.objectId.toLowerCase() &&
    p.tenantId.toLowerCase() === change.tenantId.toLowerCase();
  const existing = policies.find(same);
  if (kind === "replace" || (kind === "add" && !existing)) {
    return existing ? policies.map((p) => (same(p) ? change : p)) : [...policies, change];
  }
  if (!existing) return policies;
  const merged: AccessPolicyRecord = structuredClone(existing);
  for (const set of SETS) {
    const wanted = change.permissions[set];
    if (kind === "add") {
      for (const permission of wanted)
        if (!merged.permissions[set].includes(permission)) merged.permissions[set].push(permission);
    } else {
      const drop = new Set(wanted.map((p) => p.toLowerCase()));
      merged.permissions[set] = merged.permissions[set].filter((p) => !drop.has(p.toLowerCase()));
    }
  }
  const empty = SETS.every((set) => merged.permissions[set].length === 0);
  // Removing every listed permission removes the entry, as `az keyvault delete-policy` leaves it.
  if (kind === "remove" && empty) return policies.filter((p) => !same(p));
  return policies.map((p) => (same(p) ? merged : p));
}

export function updateAccessPolicies(ctx: RouteContext, params: Record<string, string>): RouteResult {
  const kind = (params.kind as string).toLowerCase();
  if (kind !== "add" && kind !== "replace" && kind !== "remove") {
    throw badRequest(`The access policy operation '${params.kind}' is not valid: use add, replace or remove.`);
  }
  const body = readJson(ctx, bodySchema, "arm");
  const changes = body.properties.accessPolicies.map(toAccessPolicyRecord);
  return ctx.store.update((world) => {
    const rg = requireResourceGroup(world, params.sub as string, params.rg as string);
    const vault = findLiveVault(world, rg, params.vault as string);
    if (!vault) throw resourceNotFound("Microsoft.KeyVault/vaults", params.vault as string, rg);
    for (const change of changes) vault.accessPolicies = applyPolicy(vault.accessPolicies, change, kind);
    return {
      status: 200,
      body: {
        id: `${vault.id}/accessPolicies/${kind}`,
        name: kind,
        type: "Microsoft.KeyVault/vaults/accessPolicies",
        location: vault.location,
        // Key Vault echoes the policies of the request, not the vault's whole list (updateAccessPoliciesAdd.json).
        properties: { accessPolicies: changes.map(accessPolicyBody) },
      },
    };
  });
}
