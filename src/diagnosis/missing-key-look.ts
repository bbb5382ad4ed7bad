// Key Vault's soft delete is eventually consistent: for a while after a DELETE the key is in neither the live nor the
// deleted list, exactly as after a purge (the SDK's own delete poller keeps polling while GET /deletedkeys/{name}
// answers 404: https://github.com/Azure/azure-sdk-for-js/blob/main/sdk/keyvault/keyvault-keys/src/lro/delete/operation.ts).
// So whoever finds a key in neither list looks again for a bounded time before calling it purged. The probe (diagnose)
// and the key-deleted runbook look the same way and for as long, so diagnose never calls purged what the runbook
// would then recover: both use this module (the machines may import the diagnosis, not the other way round).
import { isAzureFailure, type CallOptions, type CmkAzure, type DeletedKeyInfo } from "../azure/types.js";

export interface MissingKeyLook {
  everyMs: number;
  forMs: number;
}

/** Against Azure a deletion settles within seconds: look every 2 s for up to 30 s. */
export const DEFAULT_MISSING_KEY_LOOK: MissingKeyLook = { everyMs: 2_000, forMs: 30_000 };

/** Key Vault's answer for a key (or a deleted record) it does not have. */
export function isKeyNotFound(error: unknown): boolean {
  return isAzureFailure(error, "key-not-found") || isAzureFailure(error, "not-found");
}

/** The key's deleted record, or null when Key Vault has none: purged, never existed, or still being deleted. */
export async function findDeletedKey(
  azure: CmkAzure,
  vaultUrl: string,
  name: string,
  options?: CallOptions,
): Promise<DeletedKeyInfo | null> {
  try {
    return await azure.getDeletedKey(vaultUrl, name, options);
  } catch (error) {
    if (isKeyNotFound(error)) return null;
    throw error;
  }
}

export interface LookResult<T> {
  /** The last read. */
  value: T;
  /** How many reads the look took, the first included. */
  looks: number;
  /** From the first read until the look ended. */
  waitedMs: number;
  /** The signal aborted a pause: the look ended early, and `value` may still be missing. */
  stopped: boolean;
}

/** Waits `ms`; false when the signal aborts first. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const stop = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", stop);
      resolve(true);
    }, ms);
    signal.addEventListener("abort", stop, { once: true });
  });
}

/**
 * Reads at once, then again every `look.everyMs` while `isMissing` holds, until `look.forMs` has passed since the
 * first read (the last pause lasts only the time left). `read` gets the number of reads before it (0 for the first).
 */
export async function lookWhileMissing<T>(
  read: (before: number) => Promise<T>,
  isMissing: (value: T) => boolean,
  options: {
    look: MissingKeyLook;
    signal: AbortSignal;
    now?: () => number;
    /** Called once, before the first pause: the look is about to wait (say so, or the wait is silent). */
    onLookAgain?: () => void;
  },
): Promise<LookResult<T>> {
  const { look, signal } = options;
  const now = options.now ?? Date.now;
  const started = now();
  let value = await read(0);
  let looks = 1;
  while (isMissing(value) && now() - started < look.forMs) {
    if (looks === 1) options.onLookAgain?.();
    const left = Math.max(0, look.forMs - (now() - started));
    if (!(await pause(Math.min(look.everyMs, left), signal))) {
      return { value, looks, waitedMs: now() - started, stopped: true };
    }
    value = await read(looks);
    looks++;
  }
  return { value, looks, waitedMs: now() - started, stopped: false };
}
