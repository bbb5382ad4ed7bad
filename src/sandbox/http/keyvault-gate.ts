// What Key Vault checks before it runs a data-plane operation, in its order: DNS (the vault exists), the bearer
// challenge, the firewall (before authorization, so a 403 hides whether access would be granted), then access.
import { hasKeyPermissions } from "../health.js";
import type { VaultRecord, World } from "../world.js";
import { ServiceError } from "./problems.js";
import { vaultRecord } from "./vault-lookup.js";
import { SandboxNetworkError } from "./wire.js";

/**
 * The public address the sandbox operator's calls come from (TEST-NET-3, RFC 5737). A vault firewall lets the operator
 * in only through an IP rule covering it: the operator is not a trusted Azure service.
 */
export const OPERATOR_CLIENT_ADDRESS = "203.0.113.10";

/** A deleted, purged or unknown vault has no DNS name: the SDK sees `getaddrinfo ENOTFOUND`, not a status. */
export function liveVaultOrNetworkError(world: World, name: string): VaultRecord {
  const vault = vaultRecord(world, name);
  if (!vault || vault.deleted || vault.purged) {
    throw new SandboxNetworkError(`getaddrinfo ENOTFOUND ${name.toLowerCase()}.vault.azure.net`, "ENOTFOUND");
  }
  return vault;
}

/** 401 with the exact challenge header recorded in Azure/azure-cli's keyvault and acr test cassettes. */
export function challenge(world: World): ServiceError {
  return new ServiceError(401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.", {
    headers: {
      "www-authenticate": `Bearer authorization="https://login.windows.net/${world.tenantId}", resource="https://vault.azure.net"`,
    },
  });
}

export function hasBearer(headers: Record<string, string>): boolean {
  return /^Bearer\s+\S+/i.test(headers.authorization ?? "");
}

function ipv4(address: string): number | null {
  const parts = address.split(".");
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    const n = Number(part);
    if (!/^\d{1,3}$/.test(part) || n > 255) return null;
    value = value * 256 + n;
  }
  return value;
}

function ruleCovers(rule: string, address: string): boolean {
  const [base, bitsText] = rule.split("/");
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  const from = ipv4(base ?? "");
  const to = ipv4(address);
  if (from === null || to === null || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(from / size) === Math.floor(to / size);
}

function caller(world: World): string {
  return `appid=${world.operator.appId};oid=${world.operator.objectId};iss=https://sts.windows.net/${world.tenantId}/`;
}

/** Firewall: published message shape (https://learn.microsoft.com/en-us/azure/key-vault/general/rest-error-codes), with the operator's documented stand-in address. */
export function checkFirewall(world: World, vault: VaultRecord): void {
  const open = vault.publicNetworkAccess === "Enabled" && vault.networkAcls.defaultAction === "Allow";
  if (open) return;
  if (
    vault.publicNetworkAccess === "Enabled" &&
    vault.networkAcls.ipRules.some((rule) => ruleCovers(rule, OPERATOR_CLIENT_ADDRESS))
  ) {
    return;
  }
  throw new ServiceError(
    403,
    "Forbidden",
    `Client address is not authorized and caller is not a trusted service.\r\nClient address: ${OPERATOR_CLIENT_ADDRESS}\r\nCaller: ${caller(world)}\r\nVault: ${vault.name};location=${vault.location}`,
    { innerCode: "ForbiddenByFirewall" },
  );
}

/** Access-policy permission name → the RBAC data action Key Vault names in its 403 (https://learn.microsoft.com/en-us/azure/key-vault/general/rbac-guide). */
const RBAC_ACTION: Record<string, string> = {
  get: "Microsoft.KeyVault/vaults/keys/read",
  list: "Microsoft.KeyVault/vaults/keys/read",
  create: "Microsoft.KeyVault/vaults/keys/create/action",
  update: "Microsoft.KeyVault/vaults/keys/write",
  delete: "Microsoft.KeyVault/vaults/keys/delete",
  backup: "Microsoft.KeyVault/vaults/keys/backup/action",
  restore: "Microsoft.KeyVault/vaults/keys/restore/action",
  recover: "Microsoft.KeyVault/vaults/deletedKeys/recover/action",
  purge: "Microsoft.KeyVault/vaults/deletedKeys/delete",
  rotate: "Microsoft.KeyVault/vaults/keys/rotate/action",
};

/** The operator's own rights: access policies, or role assignments on an RBAC vault (Key Vault Administrator). */
export function checkOperatorAccess(world: World, vault: VaultRecord, permission: string, keyName?: string): void {
  const access = hasKeyPermissions(world, vault, world.operator.objectId, [permission], keyName);
  if (access.ok) return;
  if (vault.enableRbacAuthorization) {
    const resource = `${vault.id.toLowerCase()}${keyName ? `/keys/${keyName}` : ""}`;
    throw new ServiceError(
      403,
      "Forbidden",
      `Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: ${caller(world)}\r\nAction: '${RBAC_ACTION[permission] ?? `Microsoft.KeyVault/vaults/keys/${permission}`}'\r\nResource: '${resource}'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: null \r\nVault: ${vault.name};location=${vault.location}\r\n`,
      { innerCode: "ForbiddenByRbac" },
    );
  }
  throw new ServiceError(
    403,
    "Forbidden",
    `The user, group or application '${caller(world)}' does not have keys ${permission} permission on key vault '${vault.name};location=${vault.location}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`,
    { innerCode: "ForbiddenByPolicy" },
  );
}
