// Append-only audit log, chained by SHA-256: each entry's hash covers its content and the previous entry's hash,
// so changing or removing any entry breaks every hash after it, and `verify()` says where.
import { createHash } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";
import type { AuditEntry, AuditVerdict } from "./types.js";
import { inTransaction } from "./database.js";
import type { AuditChain } from "./store.js";

export const GENESIS_HASH = "0".repeat(64);

export interface AuditRecord {
  at: string;
  runId: string | null;
  actor: string;
  action: string;
  outcome: string;
  azureRequestId?: string;
  details?: Record<string, unknown>;
}

interface AuditRow {
  seq: number;
  at: string;
  run_id: string | null;
  actor: string;
  action: string;
  outcome: string;
  azure_request_id: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

/** Key order is fixed so the same entry always hashes the same, whatever object built it. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function entryHash(entry: Omit<AuditEntry, "hash">): string {
  const { seq, at, runId, actor, action, outcome, azureRequestId, details, prevHash } = entry;
  const body = canonical({ seq, at, runId, actor, action, outcome, azureRequestId: azureRequestId ?? null, details });
  return createHash("sha256").update(prevHash).update("\n").update(body).digest("hex");
}

/** The entry that follows `last` (or opens the chain), hashed. */
export function nextEntry(record: AuditRecord, last: { seq: number; hash: string } | undefined): AuditEntry {
  const draft: Omit<AuditEntry, "hash"> = {
    seq: (last?.seq ?? 0) + 1,
    at: record.at,
    runId: record.runId,
    actor: record.actor,
    action: record.action,
    outcome: record.outcome,
    ...(record.azureRequestId ? { azureRequestId: record.azureRequestId } : {}),
    // A JSON round trip keeps only what the store keeps, so the hash matches on re-read.
    details: JSON.parse(JSON.stringify(record.details ?? {})) as Record<string, unknown>,
    prevHash: last?.hash ?? GENESIS_HASH,
  };
  return { ...draft, hash: entryHash(draft) };
}

/** Walks stored rows in order: each must parse, follow its predecessor by one, link to its hash and hash right. */
export function verifyChain<Row>(
  rows: readonly Row[],
  seqOf: (row: Row) => number,
  parse: (row: Row) => AuditEntry,
): AuditVerdict {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  for (const row of rows) {
    let entry: AuditEntry;
    try {
      entry = parse(row);
    } catch {
      return { ok: false, entries: rows.length, brokenAt: seqOf(row) };
    }
    if (entry.seq !== expectedSeq || entry.prevHash !== prevHash || entryHash(entry) !== entry.hash) {
      return { ok: false, entries: rows.length, brokenAt: seqOf(row) };
    }
    prevHash = entry.hash;
    expectedSeq++;
  }
  return { ok: true, entries: rows.length };
}

function fromRow(row: AuditRow): AuditEntry {
  return {
    seq: row.seq,
    at: row.at,
    runId: row.run_id,
    actor: row.actor,
    action: row.action,
    outcome: row.outcome,
    ...(row.azure_request_id ? { azureRequestId: row.azure_request_id } : {}),
    details: JSON.parse(row.details) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export class AuditLog implements AuditChain {
  constructor(private readonly db: DatabaseSync) {}

  async append(record: AuditRecord): Promise<AuditEntry> {
    return inTransaction(this.db, () => {
      const last = this.db.prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").get() as
        { seq: number; hash: string } | undefined;
      const entry = nextEntry(record, last);
      this.db
        .prepare(
          `INSERT INTO audit_log (seq, at, run_id, actor, action, outcome, azure_request_id, details, prev_hash, hash)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          entry.seq,
          entry.at,
          entry.runId,
          entry.actor,
          entry.action,
          entry.outcome,
          entry.azureRequestId ?? null,
          JSON.stringify(entry.details),
          entry.prevHash,
          entry.hash,
        );
      return entry;
    });
  }

  async trail(runId: string): Promise<AuditEntry[]> {
    const rows = this.db
      .prepare("SELECT * FROM audit_log WHERE run_id = ? ORDER BY seq")
      .all(runId) as unknown as AuditRow[];
    return rows.map(fromRow);
  }

  /** Recomputes the whole chain; `brokenAt` is the first entry whose link or hash does not hold. */
  async verify(): Promise<AuditVerdict> {
    const rows = this.db.prepare("SELECT * FROM audit_log ORDER BY seq").all() as unknown as AuditRow[];
    return verifyChain(rows, (row) => row.seq, fromRow);
  }
}
