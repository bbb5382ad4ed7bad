// Microsoft.KeyVault/vaults: GET, lists, PUT (create, update that keeps keys, createMode "recover"), PATCH, DELETE
// (soft delete). Body shapes: spec keyvault/resource-manager/Microsoft.KeyVault/KeyVault/stable/2026-02-01/openapi.json; every body has `properties.sku` (the SDK reads it unconditionally).
import { z } from "zod";
import { parseKeyId, vaultResourceId, vaultUri } from "../ids.js";
import type { VaultRecord, World } from "../world.js";
import { accessPolicyBody, accessPolicySchema, toAccessPolicyRecord } from "./access-policies.js";
import { requireResourceGroup, requireSubscription, sameText } from "./arm-scope.js";
import { readJson, type RouteContext, type RouteResult } from "./context.js";
import { badRequest, resourceNotFound, ServiceError } from "./problems.js";
import { findDeletedVault, findLiveVault, vaultRecord } from "./vault-lookup.js";

const TYPE = "Microsoft.KeyVault/vaults";
const DAY_MS = 86_400_000;

export function vaultBody(vault: VaultRecord): unknown {
  return {
    id: vault.id,
    name: vault.name,
    type: TYPE,
    location: vault.location,
    tags: {},
    systemData: { createdAt: vault.createdAt, createdByType: "User" },
    properties: {
      sku: { family: "A", name: vault.sku },
      tenantId: vault.tenantId,
      accessPolicies: vault.accessPolicies.map(accessPolicyBody),
      enabledForDeployment: false,
      enabledForDiskEncryption: false,
      enabledForTemplateDeployment: false,
      enableSoftDelete: vault.enableSoftDelete,
      softDeleteRetentionInDays: vault.softDeleteRetentionInDays,
      // Absent or true, never false, in real vaults: enabling it "is irreversible" (spec VaultProperties.enablePurgeProtection).
      ...(vault.enablePurgeProtection ? { enablePurgeProtection: true } : {}),
      enableRbacAuthorization: vault.enableRbacAuthorization,
      networkAcls: {
        bypass: vault.networkAcls.bypass,
        defaultAction: vault.networkAcls.defaultAction,
        ipRules: vault.networkAcls.ipRules.map((value) => ({ value })),
        virtualNetworkRules: vault.networkAcls.virtualNetworkRules.map((id) => ({
          id,
          ignoreMissingVnetServiceEndpoint: false,
        })),
      },
      vaultUri: vaultUri(vault.name),
      provisioningState: "Succeeded",
      publicNetworkAccess: vault.publicNetworkAccess,
    },
  };
}

const networkAclsSchema = z
  .object({
    bypass: z.enum(["AzureServices", "None"]).optional(),
    defaultAction: z.enum(["Allow", "Deny"]).optional(),
    ipRules: z
      .array(z.object({ value: z.string().min(1) }).loose())
      .nullable()
      .optional(),
    virtualNetworkRules: z
      .array(z.object({ id: z.string().min(1) }).loose())
      .nullable()
      .optional(),
  })
  .loose();

const propertiesSchema = z
  .object({
    tenantId: z.string().min(1).optional(),
    sku: z
      .object({ name: z.enum(["standard", "premium"]), family: z.string().optional() })
      .loose()
      .optional(),
    accessPolicies: z.array(accessPolicySchema).nullable().optional(),
    enableSoftDelete: z.boolean().nullable().optional(),
    softDeleteRetentionInDays: z.number().int().min(7).max(90).nullable().optional(),
    enablePurgeProtection: z.boolean().nullable().optional(),
    enableRbacAuthorization: z.boolean().nullable().optional(),
    networkAcls: networkAclsSchema.nullable().optional(),
    publicNetworkAccess: z.enum(["Enabled", "Disabled"]).nullable().optional(),
    createMode: z.enum(["default", "recover"]).nullable().optional(),
  })
  .loose();

const putSchema = z
  .object({
    location: z.string().min(1),
    tags: z.record(z.string(), z.string()).nullable().optional(),
    properties: propertiesSchema,
  })
  .loose();
const patchSchema = z.object({ properties: propertiesSchema.nullable().optional() }).loose();

type VaultProperties = z.infer<typeof propertiesSchema>;

// Published texts of Key Vault's refusals (Azure/azure-cli#18149; https://learn.microsoft.com/en-us/azure/key-vault/general/soft-delete-overview).
const SOFT_DELETE_IRREVERSIBLE =
  "The property \"enableSoftDelete\" cannot be set to false. Enabling the 'soft delete' functionality is an irreversible action.";
const PURGE_PROTECTION_IRREVERSIBLE =
  'The property "enablePurgeProtection" cannot be set to false. Enabling the purge protection for a vault is an irreversible action.';
const DELETED_VAULT_CONFLICT =
  "A vault with the same name already exists in deleted state. You need to either recover or purge existing key vault. Follow this link https://go.microsoft.com/fwlink/?linkid=2149745 for more information on soft delete.";
const SOFT_DELETED_VAULT_MISSING =
  "A soft deleted vault with the given name does not exist. Ensure that the name for the vault that is being attempted to recover is in a recoverable state. For more information on soft delete please follow this link https://go.microsoft.com/fwlink/?linkid=2149745";

function registryCanReachVault(vault: VaultRecord): boolean {
  return vault.publicNetworkAccess === "Enabled" && vault.networkAcls.defaultAction === "Allow";
}

/**
 * A firewall switched on after encryption keeps registries out until their key is reconfigured, even with trusted
 * services allowed (https://learn.microsoft.com/en-us/azure/container-registry/tutorial-troubleshoot-customer-managed-keys): mark every CMK registry whose key lives in this vault.
 */
function noteFirewallChange(world: World, before: boolean, vault: VaultRecord): void {
  if (!before || registryCanReachVault(vault)) return;
  for (const registry of Object.values(world.registries)) {
    if (registry.encryption.status !== "enabled" || !registry.encryption.keyIdentifier) continue;
    if (sameText(parseKeyId(registry.encryption.keyIdentifier)?.vault, vault.name)) registry.firewallStale = true;
  }
}

/** Applies the writable properties of a PUT or PATCH body; PUT replaces lists wholesale, as the az CLI expects. */
function applyProperties(world: World, vault: VaultRecord, properties: VaultProperties): void {
  if (properties.enableSoftDelete === false && vault.enableSoftDelete) throw badRequest(SOFT_DELETE_IRREVERSIBLE);
  if (properties.enablePurgeProtection === false && vault.enablePurgeProtection) {
    throw badRequest(PURGE_PROTECTION_IRREVERSIBLE);
  }
  const policies = properties.accessPolicies ? properties.accessPolicies.map(toAccessPolicyRecord) : undefined;
  const reachable = registryCanReachVault(vault);
  if (properties.tenantId) vault.tenantId = properties.tenantId;
  if (properties.sku) vault.sku = properties.sku.name;
  if (policies) vault.accessPolicies = policies;
  if (properties.enableSoftDelete === true) vault.enableSoftDelete = true;
  if (properties.enablePurgeProtection === true) vault.enablePurgeProtection = true;
  if (typeof properties.enableRbacAuthorization === "boolean") {
    vault.enableRbacAuthorization = properties.enableRbacAuthorization;
  }
  if (properties.publicNetworkAccess) vault.publicNetworkAccess = properties.publicNetworkAccess;
  const acls = properties.networkAcls;
  if (acls) {
    if (acls.bypass) vault.networkAcls.bypass = acls.bypass;
    if (acls.defaultAction) vault.networkAcls.defaultAction = acls.defaultAction;
    // Key Vault normalises a bare address to /32 and subnet ids to lower case (spec example createVaultWithNetworkAcls.json).
    if (acls.ipRules)
      vault.networkAcls.ipRules = acls.ipRules.map((r) => (r.value.includes("/") ? r.value : `${r.value}/32`));
    if (acls.virtualNetworkRules)
      vault.networkAcls.virtualNetworkRules = acls.virtualNetworkRules.map((r) => r.id.toLowerCase());
  }
  noteFirewallChange(world, reachable, vault);
}

export function getVault(ctx: RouteContext, params: Record<string, string>): RouteResult {
  const world = ctx.store.read();
  const rg = requireResourceGroup(world, params.sub as string, params.rg as string);
  const vault = findLiveVault(world, rg, params.vault as string);
  if (!vault) throw resourceNotFound(TYPE, params.vault as string, rg);
  return { status: 200, body: vaultBody(vault) };
}

export function listVaults(ctx: RouteContext, params: Record<string, string>): RouteResult {
  const world = ctx.store.read();
  if (params.rg) requireResourceGroup(world, params.sub as string, params.rg);
  else requireSubscription(world, params.sub as string);
  const value = Object.values(world.vaults)
    .filter((v) => !v.deleted && !v.purged && (!params.rg || sameText(v.resourceGroup, params.rg)))
    .map(vaultBody);
  return { status: 200, body: { value } };
}

function recoverVault(world: World, rg: string, name: string): RouteResult {
  const vault = findDeletedVault(world, name);
  if (!vault) throw badRequest(SOFT_DELETED_VAULT_MISSING, "SoftDeletedVaultDoesNotExist");
  // Keys, versions, deleted keys and access policies come back; RBAC assignments were removed at delete (docs).
  delete vault.deleted;
  if (!sameText(vault.resourceGroup, rg)) {
    vault.resourceGroup = rg;
    vault.id = vaultResourceId(world.subscriptionId, rg, vault.name);
  }
  return { status: 200, body: vaultBody(vault) };
}

export function putVault(ctx: RouteContext, params: Record<string, string>): RouteResult {
  const body = readJson(ctx, putSchema, "arm");
  const name = params.vault as string;
  return ctx.store.update((world, now) => {
    const rg = requireResourceGroup(world, params.sub as string, params.rg as string);
    if (body.properties.createMode === "recover") return recoverVault(world, rg, name);
    const existing = vaultRecord(world, name);
    if (existing && !existing.purged && existing.deleted)
      throw new ServiceError(409, "ConflictError", DELETED_VAULT_CONFLICT);
    if (existing && !existing.purged) {
      if (!sameText(existing.resourceGroup, rg)) {
        throw new ServiceError(
          409,
          "VaultAlreadyExists",
          `The vault name '${name}' is already in use. Vault names are globally unique so it is possible that the name is already taken.`,
        );
      }
      applyProperties(world, existing, body.properties);
      return { status: 200, body: vaultBody(existing) };
    }
    if (!/^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/.test(name) || name.includes("--")) {
      throw badRequest(
        `The vault name '${name}' is invalid: use 3 to 24 letters, digits and single hyphens, starting with a letter and ending with a letter or digit.`,
        "VaultNameNotValid",
      );
    }
    if (!body.properties.tenantId || !body.properties.sku) {
      throw badRequest("A new vault needs properties.tenantId and properties.sku.", "BadRequest");
    }
    const vault: VaultRecord = {
      id: vaultResourceId(world.subscriptionId, rg, name),
      name,
      resourceGroup: rg,
      location: body.location,
      tenantId: body.properties.tenantId,
      sku: body.properties.sku.name,
      enableSoftDelete: true,
      softDeleteRetentionInDays: body.properties.softDeleteRetentionInDays ?? 90,
      enablePurgeProtection: false,
      enableRbacAuthorization: false,
      publicNetworkAccess: "Enabled",
      networkAcls: { defaultAction: "Allow", bypass: "AzureServices", ipRules: [], virtualNetworkRules: [] },
      accessPolicies: [],
      createdAt: now.toISOString(),
      keys: {},
    };
    applyProperties(world, vault, body.properties);
    world.vaults[name.toLowerCase()] = vault;
    return { status: 200, body: vaultBody(vault) };
  });
}

export function patchVault(ctx: RouteContext, params: Record<string, string>): RouteResult {
  const body = readJson(ctx, patchSchema, "arm");
  return ctx.store.update((world) => {
    const rg = requireResourceGroup(world, params.sub as string, params.rg as string);
    const vault = findLiveVault(world, rg, params.vault as string);
    if (!vault) throw resourceNotFound(TYPE, params.vault as string, rg);
    if (body.properties?.createMode === "recover") throw badRequest("createMode 'recover' is only accepted on PUT.");
    if (body.properties) applyProperties(world, vault, body.properties);
    return { status: 200, body: vaultBody(vault) };
  });
}

/** Soft delete: the vault moves to deletedVaults and RBAC assignments scoped to it are removed (Key Vault docs). */
export function deleteVault(ctx: RouteContext, params: Record<string, string>): RouteResult {
  return ctx.store.update((world, now) => {
    const rg = requireResourceGroup(world, params.sub as string, params.rg as string);
    const vault = findLiveVault(world, rg, params.vault as string);
    if (!vault) return { status: 204 };
    if (vault.enableSoftDelete) {
      vault.deleted = {
        deletionDate: now.toISOString(),
        scheduledPurgeDate: new Date(now.getTime() + vault.softDeleteRetentionInDays * DAY_MS).toISOString(),
      };
    } else {
      vault.purged = true;
    }
    const scope = vault.id.toLowerCase();
    for (const [id, assignment] of Object.entries(world.roleAssignments)) {
      const at = assignment.scope.toLowerCase().replace(/\/+$/, "");
      if (at === scope || at.startsWith(`${scope}/`)) delete world.roleAssignments[id];
    }
    return { status: 200 };
  });
}
