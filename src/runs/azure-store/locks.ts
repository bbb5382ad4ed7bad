// One lock per registry as a blob lease. Azure ends a lease that is not renewed within its duration (15 to 60 s), so
// a crashed holder's lock lapses by itself; the engine renews it on every heartbeat and right before each Azure write
// of a step, so a holder that lost its lease never writes. The blob's metadata (writable only with the lease) names
// the holder. https://learn.microsoft.com/rest/api/storageservices/lease-blob
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { isStorageError, type StorageClient } from "../../azure/storage/client.js";
import { ownerIsGone, type AcquireOptions, type LockHolder, type LockResult } from "../registry-lock.js";
import type { LockTable } from "../store.js";

export const LOCKS_CONTAINER = "acrcmk-locks";
/** The lease durations the service accepts (a finite lease). */
const MIN_LEASE_S = 15;
const MAX_LEASE_S = 60;

export function leaseSeconds(ttlMs: number): number {
  return Math.min(MAX_LEASE_S, Math.max(MIN_LEASE_S, Math.round(ttlMs / 1000)));
}

type NamedHolder = LockHolder & { token: string };

function shown(holder: NamedHolder): LockHolder {
  const { token: _token, ...rest } = holder;
  return rest;
}

function holderOf(key: string, metadata: Record<string, string>): NamedHolder | undefined {
  if (!metadata.runid) return undefined;
  return {
    registryKey: key,
    runId: metadata.runid,
    ownerPid: Number(metadata.ownerpid),
    ownerHost: metadata.ownerhost ?? "",
    heartbeatAt: metadata.heartbeatat ?? "",
    expiresAt: metadata.expiresat ?? "",
    token: metadata.token ?? "",
  };
}

export class AzureLeaseLocks implements LockTable {
  /** The lease id this holder proposes for every lease it takes: a lease taken by anyone else has another. */
  private readonly token = randomUUID();
  private readonly held = new Map<string, string>();
  private readonly blobs = new Set<string>();
  /** When this holder last wrote its name and expiry on each lock (ms since the epoch, by its clock). */
  private readonly stamped = new Map<string, number>();
  private readonly seconds: number;

  constructor(
    private readonly client: StorageClient,
    ttlMs: number,
    private readonly now: () => Date,
  ) {
    this.seconds = leaseSeconds(ttlMs);
  }

  async acquire(key: string, runId: string, options: AcquireOptions = {}): Promise<LockResult> {
    if (!this.blobs.has(key)) {
      await this.client.ensureBlob(LOCKS_CONTAINER, key);
      this.blobs.add(key);
    }
    const state = await this.client.blobState(LOCKS_CONTAINER, key);
    const before = holderOf(key, state.metadata);
    const theirs = before !== undefined && before.token !== this.token;
    let handedOver = false;
    if (state.leaseState === "leased" && before?.token !== this.token) {
      const gone = before !== undefined && ownerIsGone(before.ownerHost, before.ownerPid);
      handedOver = !gone && before !== undefined && (await options.takeOver?.(before)) === true;
      if (!gone && !handedOver) return { acquired: false, holder: before ? shown(before) : this.unnamed(key) };
      await this.client.breakLease(LOCKS_CONTAINER, key);
    }
    try {
      await this.client.acquireLease(LOCKS_CONTAINER, key, this.token, this.seconds);
    } catch (error) {
      if (!isStorageError(error, 409)) throw error;
      // Another process leased it between our read and our request: it won.
      const now = holderOf(key, (await this.client.blobState(LOCKS_CONTAINER, key)).metadata);
      return { acquired: false, holder: now ? shown(now) : this.unnamed(key) };
    }
    this.held.set(key, runId);
    await this.stamp(key, runId);
    if (!theirs) return { acquired: true };
    return { acquired: true, takenOverFrom: shown(before), ...(handedOver ? { handedOver } : {}) };
  }

  async heartbeat(keys: Iterable<string>): Promise<string[]> {
    const lost: string[] = [];
    await Promise.all(
      [...keys].map(async (key) => {
        const runId = this.held.get(key);
        try {
          if (runId === undefined) throw new Error("not held");
          await this.client.renewLease(LOCKS_CONTAINER, key, this.token);
          // The lease is the lock; the holder's stamp (for people and take-over messages) is refreshed now and then.
          const stamped = this.stamped.get(key) ?? 0;
          if (this.now().getTime() - stamped >= (this.seconds * 1000) / 3) await this.stamp(key, runId);
        } catch (error) {
          if (!(error instanceof Error) || (error.message !== "not held" && !isStorageError(error))) throw error;
          this.held.delete(key);
          lost.push(key);
        }
      }),
    );
    return lost;
  }

  async release(key: string, runId: string): Promise<void> {
    if (this.held.get(key) !== runId) return;
    this.held.delete(key);
    try {
      // Cleared first: a lock without a holder's name was released, not abandoned.
      await this.client.setMetadata(LOCKS_CONTAINER, key, {}, this.token);
      await this.client.releaseLease(LOCKS_CONTAINER, key, this.token);
    } catch (error) {
      // Lost already (lapsed, broken by a take-over): nothing of ours to free.
      if (!isStorageError(error)) throw error;
    }
  }

  async holder(key: string): Promise<LockHolder | undefined> {
    try {
      const holder = holderOf(key, (await this.client.blobState(LOCKS_CONTAINER, key)).metadata);
      return holder ? shown(holder) : undefined;
    } catch (error) {
      if (isStorageError(error, 404)) return undefined;
      throw error;
    }
  }

  private async stamp(key: string, runId: string): Promise<void> {
    const now = this.now();
    this.stamped.set(key, now.getTime());
    await this.client.setMetadata(
      LOCKS_CONTAINER,
      key,
      {
        runid: runId,
        ownerpid: String(process.pid),
        ownerhost: hostname(),
        token: this.token,
        heartbeatat: now.toISOString(),
        expiresat: new Date(now.getTime() + this.seconds * 1000).toISOString(),
      },
      this.token,
    );
  }

  private unnamed(key: string): LockHolder {
    return { registryKey: key, runId: "unknown", ownerPid: 0, ownerHost: "unknown", heartbeatAt: "", expiresAt: "" };
  }
}
