// The values a diagnosis has already read, under the <placeholder> names of the runbooks' Azure CLI equivalents
// (src/machines/az.ts), so a dry run prints commands that can be pasted as they are. Only what the probe really read
// is filled: a value the run will choose later (a target identity, a new expiry) stays a visible <placeholder>.
import { resourceGroupOf } from "../azure/ids.js";
import type { DiagnosisSnapshot } from "./snapshot.js";

/** Key Vault Crypto Service Encryption User (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/security). */
const CRYPTO_SERVICE_ENCRYPTION_USER = "e147488a-f6f5-4113-8e2d-b22465e65bf6";

function identityValues(snapshot: DiagnosisSnapshot): Record<string, string | undefined> {
  const identity = snapshot.identity;
  if (!identity) return {};
  // `az acr identity assign|remove --identities [system]` names the system identity.
  if (identity.kind === "system") return { "identity-id": "[system]", "principal-id": identity.principalId };
  const found = identity.resource?.ok
    ? identity.resource.value
    : identity.unassignedMatch?.ok
      ? (identity.unassignedMatch.value ?? undefined)
      : undefined;
  return {
    "identity-id": identity.assigned?.id ?? found?.id,
    "principal-id": identity.assigned?.principalId ?? found?.principalId,
  };
}

function vaultValues(snapshot: DiagnosisSnapshot): Record<string, string | undefined> {
  if (snapshot.vault?.ok && snapshot.vault.value) {
    const vault = snapshot.vault.value;
    return { "vault-id": vault.id, "vault-resource-group": vault.resourceGroup, "vault-location": vault.location };
  }
  // A soft-deleted vault still names the vault it was, and where: what `az keyvault recover` needs.
  if (snapshot.deletedVault?.ok && snapshot.deletedVault.value) {
    const deleted = snapshot.deletedVault.value;
    return {
      "vault-id": deleted.vaultId,
      "vault-resource-group": resourceGroupOf(deleted.vaultId),
      "vault-location": deleted.location,
    };
  }
  return {};
}

function roleAssignmentId(snapshot: DiagnosisSnapshot): string | undefined {
  if (!snapshot.roleAssignments?.ok) return undefined;
  const crypto = snapshot.roleAssignments.value.filter((r) =>
    r.roleDefinitionId.toLowerCase().endsWith(`/${CRYPTO_SERVICE_ENCRYPTION_USER}`),
  );
  return crypto.length === 1 ? crypto[0]?.id : undefined;
}

/** Placeholder values the diagnosis read; absent ones are left out (never an empty string or a guess). */
export function knownPlaceholderValues(snapshot: DiagnosisSnapshot): Record<string, string> {
  const { registry, keyRef } = snapshot;
  const values: Record<string, string | undefined> = {
    subscription: snapshot.subscriptionId,
    "vault-name": keyRef?.vaultName,
    "key-name": keyRef?.name,
    "key-version": snapshot.keyVersionInUse ?? keyRef?.version,
    "key-id": registry.encryption.keyIdentifier ?? undefined,
    identity: registry.encryption.identity ?? undefined,
    ...vaultValues(snapshot),
    ...identityValues(snapshot),
    "role-assignment-id": roleAssignmentId(snapshot),
  };
  return Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string] => !!entry[1]));
}

/** The values `diagnoseRegistry` attached to its report (not part of the JSON); none for a report built elsewhere. */
export function knownValuesOf(report: object | undefined): Record<string, string> {
  return (report as { knownValues?: Record<string, string> } | undefined)?.knownValues ?? {};
}
