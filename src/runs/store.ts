// The store contract the engine talks to: runs, the audit chain and the registry locks. Two stores keep it, and one
// contract test suite holds them to it: node:sqlite in ACR_CMK_HOME (one machine), and an Azure Storage account named
// by ACR_CMK_STORE (every process and machine that names it). Every call returns a promise: a round trip to a storage
// account must never hold up the event loop (other runs, Slack's acks); SQLite answers its promises at once.
import type { AuditRecord } from "./audit-log.js";
import type { AcquireOptions, LockHolder, LockResult } from "./registry-lock.js";
import type { RunRecord } from "./run-store.js";
import type { AuditEntry, AuditVerdict, RunRevision, RunSummary } from "./types.js";

export interface RunRecordStore {
  /** Inserts or updates the run; the place a run acts in, once stored, is kept. */
  save(record: RunRecord): Promise<void>;
  get(id: string): Promise<RunRecord | undefined>;
  revisions(ids: readonly string[]): Promise<Map<string, RunRevision>>;
  /** Newest first. */
  list(): Promise<RunSummary[]>;
}

export interface AuditChain {
  /** Appends one entry after the last one; concurrent writers never fork the chain. */
  append(record: AuditRecord): Promise<AuditEntry>;
  /** One run's entries in chain order, found without reading the whole chain. */
  trail(runId: string): Promise<AuditEntry[]>;
  /** Recomputes the whole chain; `brokenAt` is the first entry whose link or hash does not hold. */
  verify(): Promise<AuditVerdict>;
}

export interface LockTable {
  acquire(key: string, runId: string, options?: AcquireOptions): Promise<LockResult>;
  /** Keeps every lock this holder has alive; returns the keys it no longer holds. */
  heartbeat(keys: Iterable<string>): Promise<string[]>;
  /** Frees `key` if this holder holds it for `runId`. */
  release(key: string, runId: string): Promise<void>;
  holder(key: string): Promise<LockHolder | undefined>;
}

export interface RunBackend {
  /** Where the runs live, for messages: the database file, or the storage account (never a key). */
  readonly name: string;
  readonly runs: RunRecordStore;
  readonly audit: AuditChain;
  /** A lock holder of its own (two engines in one process never share a lock); `ttlMs` bounds a crashed holder. */
  locks(ttlMs: number, now: () => Date): LockTable;
  /**
   * Runs `work` as one unit against every other writer of this store that names the same `scope` (a run id), in this
   * process and in any other: a read-then-append decision is made once.
   */
  exclusive<T>(scope: string, work: () => Promise<T>): Promise<T>;
  /**
   * True for the first caller of `key` across every process sharing this store, false for all later ones: what makes a
   * thing done once by whichever replica gets there first (a Slack thread announcement).
   */
  claimOnce(key: string, value?: string): Promise<boolean>;
  /** What the first claim of `key` stored with it, if anyone claimed it. */
  claimedValue(key: string): Promise<string | undefined>;
  /** Round trips to the store so far (SQLite statements count as none: they never leave the process). */
  operations(): number;
  close(): void;
}

/** A write lost a race with another process: nothing was overwritten; re-read the stored record and decide again. */
export class StoreConflict extends Error {
  override readonly name = "StoreConflict";
  constructor(
    message: string,
    readonly runId: string,
  ) {
    super(message);
  }
}
