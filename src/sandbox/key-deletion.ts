// Key Vault's soft delete is eventually consistent: right after DELETE /keys/{n} the key is gone from /keys and not yet
// in /deletedkeys, its name cannot be reused and it cannot be recovered. The SDK's delete poller treats a 404 on
// GET /deletedkeys/{n} as "still deleting" (Azure/azure-sdk-for-js sdk/keyvault/keyvault-keys/src/lro/delete), and the
// service answers 409 "is currently being deleted" meanwhile (azure-sdk-for-cpp keyvault-keys live tests). The sandbox
// models that window so runbooks and diagnose meet the same "neither live nor deleted (yet)" that Azure shows.
import type { KeyRecord, VaultRecord, World } from "./world.js";

const DAY_MS = 86_400_000;

/** How long a deletion stays in progress when the world does not say (old state files): a few seconds. */
export const DEFAULT_KEY_DELETION_MS = 2_000;

export function keyDeletionMs(world: World): number {
  return world.settings.keyDeletionMs ?? DEFAULT_KEY_DELETION_MS;
}

/** Soft-deletes `key` at `now`; with `inProgressMs` > 0 the deleted record only appears that much later. */
export function softDeleteKey(vault: VaultRecord, key: KeyRecord, now: Date, inProgressMs = 0): void {
  key.deleted = {
    deletedDate: now.toISOString(),
    scheduledPurgeDate: new Date(now.getTime() + vault.softDeleteRetentionInDays * DAY_MS).toISOString(),
    ...(inProgressMs > 0 ? { completesAt: new Date(now.getTime() + inProgressMs).toISOString() } : {}),
  };
}

/** Deleted, but Key Vault has not finished: no deleted record to read, list or recover yet (sandbox clock). */
export function deletionInProgress(key: KeyRecord, now: Date): boolean {
  const completesAt = key.deleted?.completesAt;
  return !key.purged && completesAt !== undefined && Date.parse(completesAt) > now.getTime();
}
