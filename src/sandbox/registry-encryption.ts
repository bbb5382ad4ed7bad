// What a registry's encryption settings point at in the world: the vault, key and version in use, and the identity
// the encryption runs as (a user-assigned identity by client id, or the system-assigned one).
import { keyId, parseKeyId } from "./ids.js";
import type { KeyRecord, KeyVersionRecord, RegistryRecord, VaultRecord, World } from "./world.js";

export interface ResolvedRegistryKey {
  vault?: VaultRecord;
  key?: KeyRecord;
  version?: KeyVersionRecord;
  /** Names as written in the registry's key identifier, for messages when the records are gone. */
  vaultName?: string;
  keyName?: string;
  versionName?: string;
  /** The versioned key id in use (real Azure form). */
  kid?: string;
}

/** Follows keyIdentifier / versionedKeyIdentifier to the vault, key and version the registry uses. */
export function resolveRegistryKey(world: World, registry: RegistryRecord): ResolvedRegistryKey {
  const configured = registry.encryption.keyIdentifier ? parseKeyId(registry.encryption.keyIdentifier) : null;
  if (!configured) return {};
  const vault = world.vaults[configured.vault.toLowerCase()];
  const key = vault?.keys[configured.key.toLowerCase()];
  let versionName = configured.version;
  if (!versionName && registry.encryption.versionedKeyIdentifier) {
    // Versionless: the version in use is the one ACR last picked up, if it belongs to the same key.
    const inUse = parseKeyId(registry.encryption.versionedKeyIdentifier);
    if (inUse?.vault === configured.vault && inUse.key.toLowerCase() === configured.key.toLowerCase()) {
      versionName = inUse.version;
    }
  }
  versionName ??= key?.versions[key.versions.length - 1]?.version;
  const version = versionName ? key?.versions.find((v) => v.version === versionName.toLowerCase()) : undefined;
  const result: ResolvedRegistryKey = {
    vaultName: vault?.name ?? configured.vault,
    keyName: key?.name ?? configured.key,
    kid: keyId(vault?.name ?? configured.vault, key?.name ?? configured.key, versionName),
  };
  if (vault) result.vault = vault;
  if (key) result.key = key;
  if (version) result.version = version;
  if (versionName) result.versionName = versionName;
  return result;
}

export function isSystemReference(world: World, registry: RegistryRecord, identity: string): boolean {
  const value = identity.toLowerCase();
  return value === "system" || registry.systemIdentity?.clientId.toLowerCase() === value;
}

/** The principal the registry's encryption runs as, but only while that identity is assigned to the registry. */
export function principalForEncryptionIdentity(
  world: World,
  registry: RegistryRecord,
): { principalId: string; kind: "user" | "system" } | null {
  const identity = registry.encryption.identity;
  if (!identity) return null;
  if (isSystemReference(world, registry, identity)) {
    return registry.systemIdentity ? { principalId: registry.systemIdentity.principalId, kind: "system" } : null;
  }
  for (const assigned of registry.userAssignedIdentities) {
    const record = world.identities[assigned.toLowerCase()];
    if (record && record.clientId.toLowerCase() === identity.toLowerCase()) {
      return { principalId: record.principalId, kind: "user" };
    }
  }
  return null;
}

/** How reasons name the encryption identity: "identity '<UAI name>'" or "the system-assigned identity". */
export function encryptionIdentityLabel(world: World, registry: RegistryRecord): string {
  const identity = registry.encryption.identity ?? registry.identityDetached?.identity;
  if (!identity) return "the encryption identity";
  if (identity.toLowerCase() === "system") return "the system-assigned identity";
  if (registry.systemIdentity?.clientId.toLowerCase() === identity.toLowerCase()) return "the system-assigned identity";
  const record = Object.values(world.identities).find((i) => i.clientId.toLowerCase() === identity.toLowerCase());
  return record ? `identity '${record.name}'` : `identity '${identity}'`;
}

/** The client id ACR names in its errors ("system" stays as the registry stores it when no system identity). */
export function encryptionClientId(registry: RegistryRecord): string {
  const identity = registry.encryption.identity ?? registry.identityDetached?.identity ?? "";
  if (identity.toLowerCase() === "system" && registry.systemIdentity) return registry.systemIdentity.clientId;
  return identity;
}
