// Key Vault data-plane bodies: KeyBundle, DeletedKeyBundle, KeyItem (spec keyvault/data-plane/Microsoft.KeyVault/stable/2025-07-01/keys.json). Dates are Unix SECONDS; `kid` is
// always the real https://<vault>.vault.azure.net/keys/<name>/<version> form (the SDK parses it).
import { keyId } from "../ids.js";
import type { KeyRecord, KeyVersionRecord, VaultRecord } from "../world.js";

export function unixSeconds(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}

export function isoFromSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

/** Key Vault's recovery level for objects in this vault. */
export function recoveryLevel(vault: VaultRecord): string {
  const customized = vault.softDeleteRetentionInDays < 90 ? "CustomizedRecoverable" : "Recoverable";
  if (!vault.enableSoftDelete) return "Purgeable";
  return vault.enablePurgeProtection ? customized : `${customized}+Purgeable`;
}

function attributes(vault: VaultRecord, version: KeyVersionRecord): Record<string, unknown> {
  return {
    enabled: version.enabled,
    created: unixSeconds(version.created),
    updated: unixSeconds(version.updated),
    recoveryLevel: recoveryLevel(vault),
    recoverableDays: vault.enableSoftDelete ? vault.softDeleteRetentionInDays : 0,
    exportable: false,
    ...(version.exp ? { exp: unixSeconds(version.exp) } : {}),
    ...(version.nbf ? { nbf: unixSeconds(version.nbf) } : {}),
  };
}

/** The public JWK only: the sandbox never holds private key material. */
function jwk(vault: VaultRecord, key: KeyRecord, version: KeyVersionRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    kid: keyId(vault.name, key.name, version.version),
    kty: version.kty,
    key_ops: [...version.keyOps],
  };
  if (version.n) out.n = version.n;
  if (version.e) out.e = version.e;
  if (version.crv) out.crv = version.crv;
  return out;
}

export function currentVersion(key: KeyRecord): KeyVersionRecord | undefined {
  return key.versions[key.versions.length - 1];
}

export function keyBundle(vault: VaultRecord, key: KeyRecord, version: KeyVersionRecord): unknown {
  return {
    key: jwk(vault, key, version),
    attributes: attributes(vault, version),
    ...(version.tags ? { tags: { ...version.tags } } : {}),
  };
}

function deletedFields(vault: VaultRecord, key: KeyRecord): Record<string, unknown> {
  if (!key.deleted) return {};
  return {
    recoveryId: `https://${vault.name}.vault.azure.net/deletedkeys/${key.name}`,
    deletedDate: unixSeconds(key.deleted.deletedDate),
    scheduledPurgeDate: unixSeconds(key.deleted.scheduledPurgeDate),
  };
}

export function deletedKeyBundle(vault: VaultRecord, key: KeyRecord, version: KeyVersionRecord): unknown {
  return { ...(keyBundle(vault, key, version) as object), ...deletedFields(vault, key) };
}

/** List entries: `/keys` names the key without a version, `/versions` names each version. */
export function keyItem(vault: VaultRecord, key: KeyRecord, version: KeyVersionRecord, versioned: boolean): unknown {
  return {
    kid: keyId(vault.name, key.name, versioned ? version.version : undefined),
    attributes: attributes(vault, version),
    ...(version.tags ? { tags: { ...version.tags } } : {}),
  };
}

export function deletedKeyItem(vault: VaultRecord, key: KeyRecord, version: KeyVersionRecord): unknown {
  return { ...(keyItem(vault, key, version, false) as object), ...deletedFields(vault, key) };
}
