// Key Vault keys: the lookups every data-plane route makes, and the errors Key Vault answers with. Texts as published
// (https://learn.microsoft.com/en-us/azure/key-vault/general/rest-error-codes and the SDKs' recorded answers).
import { deletionInProgress } from "../key-deletion.js";
import type { KeyRecord, KeyVersionRecord, VaultRecord } from "../world.js";
import { currentVersion } from "./key-bodies.js";
import { ServiceError } from "./problems.js";

export function keyNotFound(name: string): ServiceError {
  return new ServiceError(
    404,
    "KeyNotFound",
    `A key with (name/id) ${name} was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
  );
}

export function deletedKeyNotFound(name: string): ServiceError {
  return new ServiceError(404, "KeyNotFound", `Deleted Key not found: ${name}`);
}

export function deletedButRecoverable(name: string): ServiceError {
  return new ServiceError(
    409,
    "Conflict",
    `Key ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the key can only be recovered or purged.`,
    { innerCode: "ObjectIsDeletedButRecoverable" },
  );
}

export function beingDeleted(name: string): ServiceError {
  return new ServiceError(
    409,
    "Conflict",
    `Key ${name} is currently being deleted and cannot be re-created; retry later.`,
  );
}

/** Creating or restoring over a name that is deleted (or still being deleted) is refused, as Key Vault does. */
export function refuseDeletedName(key: KeyRecord | undefined, name: string, now: Date): void {
  if (!key?.deleted || key.purged) return;
  throw deletionInProgress(key, now) ? beingDeleted(name) : deletedButRecoverable(name);
}

export function badParameter(message: string): ServiceError {
  return new ServiceError(400, "BadParameter", message);
}

export function recoveryOperationId(vault: VaultRecord, name: string): string {
  return `key-recover-${vault.name.toLowerCase()}-${name.toLowerCase()}`;
}

/** A live key (not soft-deleted, not purged), or 404 KeyNotFound. */
export function liveKey(vault: VaultRecord, name: string): KeyRecord {
  const key = vault.keys[name.toLowerCase()];
  if (!key || key.deleted || key.purged || key.versions.length === 0) throw keyNotFound(name);
  return key;
}

/** A soft-deleted key whose deletion has finished, or 404 "Deleted Key not found" (also while it is in progress). */
export function deletedKey(vault: VaultRecord, name: string, now: Date): KeyRecord {
  const key = vault.keys[name.toLowerCase()];
  if (!key || !key.deleted || key.purged || key.versions.length === 0 || deletionInProgress(key, now)) {
    throw deletedKeyNotFound(name);
  }
  return key;
}

export function findVersion(key: KeyRecord, name: string, version: string | undefined): KeyVersionRecord {
  const found = version ? key.versions.find((v) => v.version === version.toLowerCase()) : currentVersion(key);
  if (!found) throw keyNotFound(version ? `${name}/${version}` : name);
  return found;
}
