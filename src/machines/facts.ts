// What a run learns about the registry's CMK setup, kept in the snapshot (JSON only) so az commands and later steps
// can name the real resources. Parsing of key ids lives here because machines may not import src/azure's helpers.

/** Facts gathered by check steps; every field is optional until a step has read it. */
export interface RunFacts {
  registryId?: string;
  location?: string;
  /** As configured on the registry (versionless = automatic rotation). */
  keyIdentifier?: string;
  versionedKeyIdentifier?: string;
  vaultName?: string;
  vaultUrl?: string;
  vaultId?: string;
  vaultResourceGroup?: string;
  vaultLocation?: string;
  rbac?: boolean;
  purgeProtection?: boolean;
  keyName?: string;
  /** Version named by the configured key id, when it names one. */
  keyVersion?: string;
  /** Client id of the encryption identity, or "system". */
  identity?: string;
  identityKind?: "user" | "system";
  identityResourceId?: string;
  principalId?: string;
  /** The version created by a rotation. */
  newKeyVersion?: string;
  rotationMode?: "automatic" | "manual";
  targetIdentityResourceId?: string;
  targetIdentityClientId?: string;
  targetPrincipalId?: string;
  revokeMethod?: string;
}

export interface ParsedKeyId {
  vaultUrl: string;
  vaultName: string;
  name: string;
  version?: string;
}

/** Parses https://<vault>.vault.azure.net/keys/<name>[/<version>]; null when it is not a key id. */
export function parseKeyIdentifier(kid: string | undefined): ParsedKeyId | null {
  if (!kid) return null;
  let url: URL;
  try {
    url = new URL(kid);
  } catch {
    return null;
  }
  const segments = url.pathname.split("/").filter(Boolean);
  if (segments[0]?.toLowerCase() !== "keys" || !segments[1] || segments.length > 3) return null;
  const vaultName = url.hostname.split(".")[0];
  if (!vaultName) return null;
  return { vaultUrl: `https://${url.hostname}/`, vaultName, name: segments[1], version: segments[2] || undefined };
}

export function keyIdFor(vaultUrl: string, name: string, version?: string): string {
  const base = vaultUrl.endsWith("/") ? vaultUrl : `${vaultUrl}/`;
  return version ? `${base}keys/${name}/${version}` : `${base}keys/${name}`;
}

/** Resource group named by an ARM resource id. */
export function resourceGroupOf(resourceId: string): string | undefined {
  const match = /\/resourceGroups\/([^/]+)/i.exec(resourceId);
  return match?.[1];
}

export function lastSegment(resourceId: string): string {
  return resourceId.split("/").filter(Boolean).pop() ?? resourceId;
}

/** Built-in role ids (subscription-scoped role definitions in Azure). */
export const KEY_VAULT_ROLES = {
  cryptoServiceEncryptionUser: "e147488a-f6f5-4113-8e2d-b22465e65bf6",
  cryptoOfficer: "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",
  keyVaultAdministrator: "00482a5a-887f-4fb3-b363-3b7fe8e74483",
} as const;

/** Roles whose data actions include keys/read, wrap and unwrap. */
export const ROLES_GRANTING_CMK_ACCESS: readonly string[] = Object.values(KEY_VAULT_ROLES);

export const CMK_KEY_PERMISSIONS = ["get", "wrapKey", "unwrapKey"] as const;

export function roleDefinitionId(subscriptionId: string, roleId: string): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`;
}
