// What a principal may do with a vault's keys: its access policies on a policy vault, its Azure RBAC role
// assignments (at the vault's scope or above, or the key's own) on an RBAC vault, with the key data actions of the
// built-in Key Vault roles (https://learn.microsoft.com/en-us/azure/key-vault/general/rbac-guide).
import { ROLE, type VaultRecord, type World } from "./world.js";

const ALL_KEY_PERMISSIONS = new Set(["*"]);

/** Key data actions each built-in role grants, by role definition GUID. */
const ROLE_KEY_PERMISSIONS: Record<string, Set<string>> = {
  [ROLE.cryptoServiceEncryptionUser]: new Set(["get", "wrapkey", "unwrapkey"]),
  [ROLE.cryptoUser]: new Set(["get", "list", "wrapkey", "unwrapkey", "encrypt", "decrypt", "sign", "verify"]),
  [ROLE.cryptoOfficer]: ALL_KEY_PERMISSIONS,
  [ROLE.keyVaultAdministrator]: ALL_KEY_PERMISSIONS,
};

function trimScope(scope: string): string {
  return scope.toLowerCase().replace(/\/+$/, "");
}

/** Does an assignment at `scope` reach `target` (the same resource or one of its ancestors)? */
function scopeCovers(scope: string, target: string): boolean {
  const s = trimScope(scope);
  const t = trimScope(target);
  return s === "" || s === t || t.startsWith(`${s}/`);
}

function roleGuid(roleDefinitionId: string): string {
  return (roleDefinitionId.split("/").pop() ?? "").toLowerCase();
}

/**
 * Which of `needed` key permissions `principalId` lacks on `vault`: access policies on a policy vault, Azure RBAC
 * role assignments at vault scope or above (or at the key's own scope when `keyName` is given) on an RBAC vault.
 */
export function hasKeyPermissions(
  world: World,
  vault: VaultRecord,
  principalId: string,
  needed: string[],
  keyName?: string,
): { ok: boolean; missing: string[] } {
  const granted = new Set<string>();
  const principal = principalId.toLowerCase();
  if (vault.enableRbacAuthorization) {
    const keyScope = keyName ? `${vault.id}/keys/${keyName}` : null;
    for (const assignment of Object.values(world.roleAssignments)) {
      if (assignment.principalId.toLowerCase() !== principal) continue;
      if (!scopeCovers(assignment.scope, vault.id) && !(keyScope && scopeCovers(assignment.scope, keyScope))) continue;
      for (const permission of ROLE_KEY_PERMISSIONS[roleGuid(assignment.roleDefinitionId)] ?? [])
        granted.add(permission);
    }
  } else {
    for (const policy of vault.accessPolicies) {
      if (policy.objectId.toLowerCase() !== principal) continue;
      for (const permission of policy.permissions.keys) {
        granted.add(permission.toLowerCase() === "all" ? "*" : permission.toLowerCase());
      }
    }
  }
  const missing = granted.has("*") ? [] : needed.filter((p) => !granted.has(p.toLowerCase()));
  return { ok: missing.length === 0, missing };
}
