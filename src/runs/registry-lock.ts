// One active run per registry. The lock row names its owner (pid, host) and carries an expiry that the owner's
// heartbeat pushes forward, so a crashed process cannot hold a registry forever: its lock goes stale and is taken over.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { DatabaseSync } from "node:sqlite";
import type { RunTarget } from "./types.js";
import { inTransactionAsync } from "./database.js";
import type { LockTable } from "./store.js";
import { isContainerGroupTarget, targetResourceId } from "../machines/target.js";

export interface LockHolder {
  registryKey: string;
  runId: string;
  ownerPid: number;
  ownerHost: string;
  heartbeatAt: string;
  expiresAt: string;
}

export type LockResult =
  | {
      acquired: true;
      takenOverFrom?: LockHolder;
      /** Taken from a live holder because `takeOver` allowed it (not because it was stale). */
      handedOver?: boolean;
    }
  | { acquired: false; holder: LockHolder };

export interface AcquireOptions {
  /** Runs inside the lock's transaction: may this live (not stale) holder's lock be taken over? */
  takeOver?: (holder: LockHolder) => Promise<boolean>;
}

interface LockRow {
  registry_key: string;
  run_id: string;
  owner_pid: number;
  owner_host: string;
  owner_token: string;
  heartbeat_at: string;
  expires_at: string;
}

/** The lock's key: a registry's subscription/group/name (as ever), a container group's resource id. */
export function registryKey(target: RunTarget): string {
  if (isContainerGroupTarget(target)) return targetResourceId(target).toLowerCase();
  return `${target.subscriptionId}/${target.resourceGroup}/${target.registry}`.toLowerCase();
}

/** A process on this host that no longer exists cannot be holding anything, whatever the expiry says. */
export function ownerIsGone(ownerHost: string, ownerPid: number): boolean {
  if (ownerHost !== hostname()) return false;
  try {
    process.kill(ownerPid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

function holderOf(row: LockRow): LockHolder {
  return {
    registryKey: row.registry_key,
    runId: row.run_id,
    ownerPid: row.owner_pid,
    ownerHost: row.owner_host,
    heartbeatAt: row.heartbeat_at,
    expiresAt: row.expires_at,
  };
}

export class RegistryLocks implements LockTable {
  /** Identifies this engine instance: two engines in one process must not share a lock. */
  private readonly token = randomUUID();

  constructor(
    private readonly db: DatabaseSync,
    private readonly ttlMs: number,
    private readonly now: () => Date,
  ) {}

  acquire(key: string, runId: string, options: AcquireOptions = {}): Promise<LockResult> {
    return inTransactionAsync(this.db, async (): Promise<LockResult> => {
      const row = this.db.prepare("SELECT * FROM registry_locks WHERE registry_key = ?").get(key) as
        LockRow | undefined;
      const now = this.now();
      let handedOver = false;
      if (row && row.owner_token !== this.token) {
        const stale = Date.parse(row.expires_at) <= now.getTime() || ownerIsGone(row.owner_host, row.owner_pid);
        handedOver = !stale && (await options.takeOver?.(holderOf(row))) === true;
        if (!stale && !handedOver) return { acquired: false, holder: holderOf(row) };
      }
      this.db
        .prepare(
          `INSERT INTO registry_locks (registry_key, run_id, owner_pid, owner_host, owner_token, heartbeat_at, expires_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (registry_key) DO UPDATE SET run_id = excluded.run_id, owner_pid = excluded.owner_pid,
             owner_host = excluded.owner_host, owner_token = excluded.owner_token,
             heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at`,
        )
        .run(key, runId, process.pid, hostname(), this.token, now.toISOString(), this.expiry(now));
      return row && row.owner_token !== this.token
        ? { acquired: true, takenOverFrom: holderOf(row), ...(handedOver ? { handedOver } : {}) }
        : { acquired: true };
    });
  }

  /** Pushes the expiry of every lock this engine holds; returns the registry keys it no longer holds. */
  async heartbeat(keys: Iterable<string>): Promise<string[]> {
    const lost: string[] = [];
    const now = this.now();
    for (const key of keys) {
      const result = this.db
        .prepare(
          "UPDATE registry_locks SET heartbeat_at = ?, expires_at = ? WHERE registry_key = ? AND owner_token = ?",
        )
        .run(now.toISOString(), this.expiry(now), key, this.token);
      if (Number(result.changes) === 0) lost.push(key);
    }
    return lost;
  }

  /** Frees `key` if this engine holds it for `runId`: another run's lock (handed over in this process) stays. */
  async release(key: string, runId: string): Promise<void> {
    this.db
      .prepare("DELETE FROM registry_locks WHERE registry_key = ? AND owner_token = ? AND run_id = ?")
      .run(key, this.token, runId);
  }

  async holder(key: string): Promise<LockHolder | undefined> {
    const row = this.db.prepare("SELECT * FROM registry_locks WHERE registry_key = ?").get(key) as LockRow | undefined;
    return row ? holderOf(row) : undefined;
  }

  private expiry(now: Date): string {
    return new Date(now.getTime() + this.ttlMs).toISOString();
  }
}
