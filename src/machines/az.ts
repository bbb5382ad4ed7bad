// Azure CLI equivalents of every step. Templates carry <placeholders>; `fillAz` fills the ones the run already knows,
// so the static step table (docs, dry-run) and the live approval show the same command. There is deliberately no
// delete command for a vault or a key here: nothing in a runbook, rollbacks included, deletes what holds the data.
import type { AccessPolicyEntry } from "../azure/types.js";
import type { RunTarget } from "./meta.js";
import type { RunFacts } from "./facts.js";
import { targetName } from "./target.js";

export const AZ = {
  showRegistryEncryption: "az acr encryption show --name <registry> --resource-group <resource-group>",
  showVault: "az keyvault show --name <vault-name>",
  listDeletedVaults: "az keyvault list-deleted --resource-type vault --query \"[?name=='<vault-name>']\"",
  recoverVault:
    "az keyvault recover --name <vault-name> --resource-group <vault-resource-group> --location <vault-location>",
  showKey: "az keyvault key show --vault-name <vault-name> --name <key-name>",
  showDeletedKey: "az keyvault key show-deleted --vault-name <vault-name> --name <key-name>",
  recoverKey: "az keyvault key recover --vault-name <vault-name> --name <key-name>",
  listRoleAssignments: "az role assignment list --assignee <principal-id> --scope <vault-id>",
  listTargetRoleAssignments: "az role assignment list --assignee <target-principal-id> --scope <vault-id>",
  grantRole:
    'az role assignment create --assignee-object-id <principal-id> --assignee-principal-type ServicePrincipal --role "Key Vault Crypto Service Encryption User" --scope <vault-id>',
  deleteRole:
    'az role assignment delete --assignee <principal-id> --role "Key Vault Crypto Service Encryption User" --scope <vault-id>',
  revokeAccess:
    "az keyvault delete-policy --name <vault-name> --object-id <principal-id>  # or: az role assignment delete --ids <role-assignment-id>; or: az keyvault key set-attributes --vault-name <vault-name> --name <key-name> --version <key-version> --enabled false",
  grantTargetRole:
    'az role assignment create --assignee-object-id <target-principal-id> --assignee-principal-type ServicePrincipal --role "Key Vault Crypto Service Encryption User" --scope <vault-id>',
  setPolicy:
    "az keyvault set-policy --name <vault-name> --object-id <principal-id> --key-permissions get unwrapKey wrapKey",
  setTargetPolicy:
    "az keyvault set-policy --name <vault-name> --object-id <target-principal-id> --key-permissions get unwrapKey wrapKey",
  deletePolicy: "az keyvault delete-policy --name <vault-name> --object-id <principal-id>",
  showPolicies: 'az keyvault show --name <vault-name> --query "properties.accessPolicies"',
  checkRegistry: "az acr repository list --name <registry>",
  showContainerGroupKey:
    "az container show --resource-group <resource-group> --name <container-group> --query encryptionProperties",
  backupKey: "az keyvault key backup --vault-name <vault-name> --name <key-name> --file <key-name>.keybackup",
  restoreKeyBackup: "az keyvault key restore --vault-name <vault-name> --file <key-name>.keybackup",
  enablePurgeProtection:
    "az keyvault update --name <vault-name> --resource-group <vault-resource-group> --enable-purge-protection true",
  showIdentity: "az acr identity show --name <registry> --resource-group <resource-group>",
  listIdentities: "az identity list --query \"[?clientId=='<identity>']\"",
  assignIdentity:
    "az acr identity assign --name <registry> --resource-group <resource-group> --identities <identity-id>",
  removeIdentity:
    "az acr identity remove --name <registry> --resource-group <resource-group> --identities <identity-id>",
  assignTargetIdentity:
    "az acr identity assign --name <registry> --resource-group <resource-group> --identities <target-identity-id>",
  removeTargetIdentity:
    "az acr identity remove --name <registry> --resource-group <resource-group> --identities <target-identity-id>",
  rotateKey:
    "az acr encryption rotate-key --name <registry> --resource-group <resource-group> --key-encryption-key <key-id> --identity <identity>",
  rotateToTargetIdentity:
    "az acr encryption rotate-key --name <registry> --resource-group <resource-group> --key-encryption-key <key-id> --identity <target-identity>",
  showNetwork: 'az keyvault show --name <vault-name> --query "properties.networkAcls"',
  allowTrustedServices:
    "az keyvault update --name <vault-name> --resource-group <vault-resource-group> --bypass AzureServices",
  disallowTrustedServices:
    "az keyvault update --name <vault-name> --resource-group <vault-resource-group> --bypass None",
  createKeyVersion: "az keyvault key create --vault-name <vault-name> --name <key-name> --kty RSA --size 2048",
  disableKeyVersion:
    "az keyvault key set-attributes --vault-name <vault-name> --name <key-name> --version <key-version> --enabled false",
  enableKeyVersion:
    "az keyvault key set-attributes --vault-name <vault-name> --name <key-name> --version <key-version> --enabled true",
  extendKey:
    "az keyvault key set-attributes --vault-name <vault-name> --name <key-name> --version <key-version> --expires <expires>",
  listKeyVersions: "az keyvault key list-versions --vault-name <vault-name> --name <key-name>",
  supportRequest:
    'az support tickets create --ticket-name acr-cmk-<registry> --title "ACR CMK identity" --problem-classification <classification-id>',
} as const;

/** A command whose form depends on the vault's permission model (access policies or Azure RBAC). */
export interface AccessAz {
  policy: string;
  rbac: string;
}

/** The identity's key access, read, granted: per vault model. */
export const ACCESS_AZ = {
  show: { policy: AZ.showPolicies, rbac: AZ.listRoleAssignments },
  grant: { policy: AZ.setPolicy, rbac: AZ.grantRole },
  showTarget: { policy: AZ.showPolicies, rbac: AZ.listTargetRoleAssignments },
  grantTarget: { policy: AZ.setTargetPolicy, rbac: AZ.grantTargetRole },
} as const satisfies Record<string, AccessAz>;

/**
 * The static text for a step whose command depends on the vault model (docs, dry runs, and runs that have not read
 * the vault yet): the access-policy form, then the RBAC form after a shell comment, so a pasted line runs one command.
 */
export function eitherAccessAz(forms: AccessAz): string {
  return `${forms.policy}  # on an RBAC vault instead: ${forms.rbac}`;
}

/** The form that applies once the run knows the vault's model; undefined until then. */
export function accessAzFor(forms: AccessAz, facts: RunFacts): string | undefined {
  if (facts.rbac === undefined) return undefined;
  return facts.rbac ? forms.rbac : forms.policy;
}

/** The values a run knows, by placeholder name. */
export function placeholderValues(target: RunTarget, facts: RunFacts): Record<string, string | undefined> {
  return {
    registry: targetName(target),
    "container-group": targetName(target),
    "resource-group": target.resourceGroup,
    subscription: target.subscriptionId,
    "vault-name": facts.vaultName,
    "vault-resource-group": facts.vaultResourceGroup,
    "vault-location": facts.vaultLocation,
    "vault-id": facts.vaultId,
    "key-name": facts.keyName,
    "key-version": facts.keyVersion,
    "new-key-version": facts.newKeyVersion,
    "key-id": facts.keyIdentifier,
    identity: facts.identity === "system" ? "[system]" : facts.identity,
    "identity-id": facts.identityResourceId,
    "principal-id": facts.principalId,
    "target-principal-id": facts.targetPrincipalId,
    "target-identity-id": facts.targetIdentityResourceId,
    "target-identity": facts.targetIdentityClientId,
  };
}

/** Replaces every <placeholder> the run knows; unknown ones stay visible as <placeholder>. */
export function fillAz(
  template: string,
  target: RunTarget,
  facts: RunFacts,
  extra: Record<string, string | undefined> = {},
): string {
  const values = { ...placeholderValues(target, facts), ...extra };
  return template.replace(/<([a-z-]+)>/g, (whole, name: string) => values[name] ?? whole);
}

const permissionFlags = (entry: AccessPolicyEntry, categories: Array<keyof AccessPolicyEntry["permissions"]>) =>
  categories
    .filter((c) => entry.permissions[c].length > 0)
    .map(
      (c) =>
        ` --${c === "keys" ? "key" : c === "secrets" ? "secret" : "certificate"}-permissions ${entry.permissions[c].join(" ")}`,
    )
    .join("");

/**
 * Puts an existing entry's key permissions back exactly (a grant changes keys only; set-policy replaces the listed
 * categories and keeps the others). An entry that had no key permissions is deleted and re-created without them.
 */
export function restoreKeyPermissionsCommand(vaultName: string, entry: AccessPolicyEntry): string {
  const base = `az keyvault set-policy --name ${vaultName} --object-id ${entry.objectId}`;
  if (entry.permissions.keys.length > 0) return `${base}${permissionFlags(entry, ["keys"])}`;
  const remove = `az keyvault delete-policy --name ${vaultName} --object-id ${entry.objectId}`;
  const others = permissionFlags(entry, ["secrets", "certificates"]);
  return others ? `${remove} && ${base}${others}` : remove;
}

/** Re-adds a removed access policy entry with exactly the permissions it had, in every category. */
export function readdPolicyCommand(vaultName: string, entry: AccessPolicyEntry): string {
  return `az keyvault set-policy --name ${vaultName} --object-id ${entry.objectId}${permissionFlags(entry, ["keys", "secrets", "certificates"])}`;
}
