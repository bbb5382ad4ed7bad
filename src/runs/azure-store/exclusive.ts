// An exclusive unit across every process sharing the account: a blob lease on a mutex blob per scope (a run id). The
// service grants a lease to one holder at a time (409 LeaseAlreadyPresent for the others, who wait and ask again), and
// a holder that crashed mid-unit loses it when its 15 s lapse. https://learn.microsoft.com/rest/api/storageservices/lease-blob
import { createHash, randomUUID } from "node:crypto";
import { isStorageError, type StorageClient } from "../../azure/storage/client.js";
import { LOCKS_CONTAINER } from "./locks.js";

const LEASE_S = 15;
/** Renewed well within the lease while the unit works (a slow store may stretch it). */
const RENEW_MS = 5000;
/** Longer than a crashed holder's lease: past it, something holds the mutex for good. */
const WAIT_MS = 60_000;

function mutexBlob(scope: string): string {
  return `exclusive/${createHash("sha256").update(scope).digest("hex").slice(0, 32)}`;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function exclusiveUnit<T>(client: StorageClient, scope: string, work: () => Promise<T>): Promise<T> {
  const blob = mutexBlob(scope);
  const leaseId = randomUUID();
  const since = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      await client.acquireLease(LOCKS_CONTAINER, blob, leaseId, LEASE_S);
      break;
    } catch (error) {
      if (isStorageError(error, 404)) {
        await client.ensureBlob(LOCKS_CONTAINER, blob);
        continue;
      }
      if (!isStorageError(error, 409) || Date.now() - since > WAIT_MS) throw error;
      await pause(Math.min(50 * 2 ** attempt, 500) * (0.5 + Math.random()));
    }
  }
  const renewal = setInterval(() => {
    client.renewLease(LOCKS_CONTAINER, blob, leaseId).catch(() => undefined);
  }, RENEW_MS);
  renewal.unref();
  try {
    return await work();
  } finally {
    clearInterval(renewal);
    // Lapsed already, or the store did not answer: the lease ends by itself within its 15 s either way.
    await client.releaseLease(LOCKS_CONTAINER, blob, leaseId).catch(() => undefined);
  }
}
