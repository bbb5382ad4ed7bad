// Can the encryption identity use the key: get, wrapKey and unwrapKey, by access policy or by Key Vault RBAC role.
import type { DiagnosisSnapshot } from "../snapshot.js";
import { encryptionPrincipalId, failureEvidence, runbookCommand, sameId, vaultState, type Rule } from "./context.js";

/** What ACR needs on its key (docs: "Set key permissions to get, unwrapKey, and wrapKey"). */
export const REQUIRED_KEY_PERMISSIONS = ["get", "wrapKey", "unwrapKey"] as const;
type KeyPermission = (typeof REQUIRED_KEY_PERMISSIONS)[number];

export const CRYPTO_SERVICE_ENCRYPTION_USER = "e147488a-f6f5-4113-8e2d-b22465e65bf6";

/** Built-in roles and which of the three permissions their data actions grant. Custom roles count as granting nothing. */
const ROLE_GRANTS: Record<string, { name: string; grants: readonly KeyPermission[] }> = {
  [CRYPTO_SERVICE_ENCRYPTION_USER]: {
    name: "Key Vault Crypto Service Encryption User",
    grants: REQUIRED_KEY_PERMISSIONS,
  },
  "12338af0-0e69-4776-bea7-57ae8d297424": { name: "Key Vault Crypto User", grants: REQUIRED_KEY_PERMISSIONS },
  "14b46e9e-c2b7-41b4-b07b-48a6ebf60603": { name: "Key Vault Crypto Officer", grants: REQUIRED_KEY_PERMISSIONS },
  "00482a5a-887f-4fb3-b363-3b7fe8e74483": { name: "Key Vault Administrator", grants: REQUIRED_KEY_PERMISSIONS },
  // Reader roles see key metadata only: no wrap or unwrap.
  "21090545-7ca7-4776-b22c-e363652d74d2": { name: "Key Vault Reader", grants: ["get"] },
};

function roleGuid(roleDefinitionId: string): string {
  return (roleDefinitionId.split("/").pop() ?? roleDefinitionId).toLowerCase();
}

/** An assignment counts when it is at the vault, above it, or on the registry's key itself. */
function coversVault(scope: string, vaultId: string): boolean {
  const s = scope.toLowerCase().replace(/\/+$/, "");
  const v = vaultId.toLowerCase();
  return v === s || v.startsWith(s + "/") || s.startsWith(v + "/keys/");
}

function grantedByPolicy(s: DiagnosisSnapshot, principalId: string): { granted: Set<string>; hasEntry: boolean } {
  const vault = s.vault?.ok ? s.vault.value : null;
  const entries = vault?.accessPolicies.filter((p) => sameId(p.objectId, principalId)) ?? [];
  const granted = new Set(entries.flatMap((p) => p.permissions.keys.map((k) => k.toLowerCase())));
  return { granted, hasEntry: entries.length > 0 };
}

export const accessRules: Rule = (s, ctx) => {
  if (vaultState(s) !== "live" || !s.vault?.ok || !s.vault.value) return [];
  const vault = s.vault.value;
  const principalId = encryptionPrincipalId(s);
  // Without a principal the identity rules already say what is wrong.
  if (!principalId) return [];
  const restore = { runbook: "restore" as const, command: runbookCommand(s, ctx, "restore") };

  if (!vault.enableRbacAuthorization) {
    const { granted, hasEntry } = grantedByPolicy(s, principalId);
    const missing = REQUIRED_KEY_PERMISSIONS.filter((p) => !granted.has("all") && !granted.has(p.toLowerCase()));
    if (missing.length === 0) return [];
    const evidence = {
      field: "properties.accessPolicies",
      vault: vault.name,
      objectId: principalId,
      keyPermissions: hasEntry ? [...granted] : null,
      missing,
    };
    const az = `az keyvault set-policy --name ${vault.name} --object-id ${principalId} --key-permissions get unwrapKey wrapKey`;
    if (missing.length === REQUIRED_KEY_PERMISSIONS.length) {
      return [
        {
          id: "ACCESS_MISSING",
          severity: "critical",
          title: `The encryption identity has no key access in vault '${vault.name}' (access policy)`,
          detail:
            `${hasEntry ? "Its access policy grants none of" : "No access policy exists for object id " + principalId + "; it needs"} ` +
            `get, wrapKey and unwrapKey on keys, so the registry cannot reach its key. Restore the policy (${az}).`,
          evidence,
          ...restore,
        },
      ];
    }
    return [
      {
        id: "ACCESS_PARTIAL",
        severity: "critical",
        title: `The encryption identity lacks ${missing.join(", ")} on keys in vault '${vault.name}'`,
        detail:
          `Its access policy grants ${[...granted].join(", ") || "nothing"} but ACR needs get, wrapKey and unwrapKey. ` +
          `Add the missing permission${missing.length > 1 ? "s" : ""} (${az}).`,
        evidence,
        ...restore,
      },
    ];
  }

  const assignments = s.roleAssignments;
  if (!assignments) return [];
  if (!assignments.ok) {
    return [
      {
        id: "ACCESS_UNVERIFIED",
        severity: "warning",
        title: `Could not list role assignments on vault '${vault.name}'`,
        detail:
          `The vault uses Azure RBAC, and your account could not read its role assignments, so the identity's key access ` +
          `was not checked. Ask for Reader on the vault, or check in the portal that the identity holds ` +
          `"Key Vault Crypto Service Encryption User" there.`,
        evidence: { roleAssignmentsList: failureEvidence(assignments.error) },
        runbook: null,
      },
    ];
  }
  const mine = assignments.value.filter((a) => sameId(a.principalId, principalId) && coversVault(a.scope, vault.id));
  const granted = new Set<KeyPermission>(mine.flatMap((a) => ROLE_GRANTS[roleGuid(a.roleDefinitionId)]?.grants ?? []));
  const missing = REQUIRED_KEY_PERMISSIONS.filter((p) => !granted.has(p));
  if (missing.length === 0) return [];
  const roles = mine.map((a) => ROLE_GRANTS[roleGuid(a.roleDefinitionId)]?.name ?? roleGuid(a.roleDefinitionId));
  const az =
    `az role assignment create --assignee-object-id ${principalId} --assignee-principal-type ServicePrincipal ` +
    `--role "Key Vault Crypto Service Encryption User" --scope ${vault.id}`;
  const evidence = { field: "roleAssignments", scope: vault.id, principalId, roles, missing };
  if (mine.length === 0 || granted.size === 0) {
    return [
      {
        id: "ACCESS_MISSING",
        severity: "critical",
        title: `The encryption identity has no key role on vault '${vault.name}' (Azure RBAC)`,
        detail:
          `${mine.length === 0 ? "No role assignment for principal " + principalId + " covers the vault" : "Its roles (" + roles.join(", ") + ") grant no key data actions"}; ` +
          `it needs "Key Vault Crypto Service Encryption User" at vault scope. Restore it (${az}).`,
        evidence,
        ...restore,
      },
    ];
  }
  return [
    {
      id: "ACCESS_PARTIAL",
      severity: "critical",
      title: `The encryption identity's roles on vault '${vault.name}' do not grant ${missing.join(", ")}`,
      detail:
        `It holds ${roles.join(", ")}, which lacks ${missing.join(", ")}. Assign "Key Vault Crypto Service Encryption User" ` +
        `at vault scope (${az}).`,
      evidence,
      ...restore,
    },
  ];
};
