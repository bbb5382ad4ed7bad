// The audit chain as Table entities, one per entry, keyed by sequence number. An append is an insert of the next
// number: the service lets exactly one insert of a key succeed (409 for the others), so two writers can never both
// link an entry to the same predecessor, and the chain cannot fork. A loser reads what was appended and tries again.
// A process's appends that arrive together are inserted together (group commit, below).
// https://learn.microsoft.com/rest/api/storageservices/insert-entity
//
// Each entry of a run also gets an index row (its run and number, with the entry's hash) in the same partition,
// inserted in one entity group transaction with the entry: both or neither. A run's trail reads its index rows and
// then exactly those entries, each checked against the hash its index row recorded, instead of the whole chain.
// https://learn.microsoft.com/rest/api/storageservices/performing-entity-group-transactions
import { createHash } from "node:crypto";
import { isStorageError, type Entity, type StorageClient } from "../../azure/storage/client.js";
import { entryHash, GENESIS_HASH, nextEntry, verifyChain, type AuditRecord } from "../audit-log.js";
import type { AuditChain } from "../store.js";
import type { AuditEntry, AuditVerdict } from "../types.js";
import { chunked, quoted, STORE_SCHEMA, unchunked } from "./entities.js";

export const AUDIT_TABLE = "acrcmkaudit";
const CHAIN = "chain";
const HEAD = "head";
/** Chain entries are keyed by zero-padded digits; index rows by "r-…", which sorts after every digit. */
const INDEX_PREFIX = "r-";
const ENTRIES_ONLY = `RowKey lt ${quoted(INDEX_PREFIX)}`;
/** The head entity is a hint of where the chain ends, refreshed every few appends; readers walk on from it. */
const HINT_EVERY = 8;
const MAX_ATTEMPTS = 50;
/** An entity group transaction takes up to 100 entities and 4 MiB. */
const MAX_BATCH_ENTITIES = 100;
const MAX_BATCH_BYTES = 2 * 1024 * 1024;
/** Comparisons per query when reading entries by number: keeps each request small. */
const PER_QUERY = 15;

interface Tail {
  seq: number;
  hash: string;
}

function rowKeyOf(seq: number): string {
  return String(seq).padStart(12, "0");
}

/** A run id may hold characters a RowKey may not ('/', '#', '?'): its index rows are named by its hash. */
function indexPrefixOf(runId: string): string {
  return `${INDEX_PREFIX}${createHash("sha256").update(runId).digest("hex").slice(0, 32)}-`;
}

function fromEntity(entity: Entity): AuditEntry {
  return {
    seq: Number(entity.seq),
    at: entity.at as string,
    runId: typeof entity.runId === "string" ? entity.runId : null,
    actor: entity.actor as string,
    action: entity.action as string,
    outcome: entity.outcome as string,
    ...(typeof entity.azureRequestId === "string" ? { azureRequestId: entity.azureRequestId } : {}),
    details: JSON.parse(unchunked("d", entity)) as Record<string, unknown>,
    prevHash: entity.prevHash as string,
    hash: entity.hash as string,
  };
}

/** A chain entry as its entity (no index row). */
export function chainEntityOf(entry: AuditEntry): Entity {
  return {
    partitionKey: CHAIN,
    rowKey: rowKeyOf(entry.seq),
    schema: STORE_SCHEMA,
    seq: entry.seq,
    at: entry.at,
    ...(entry.runId !== null ? { runId: entry.runId } : {}),
    actor: entry.actor,
    action: entry.action,
    outcome: entry.outcome,
    ...(entry.azureRequestId ? { azureRequestId: entry.azureRequestId } : {}),
    ...chunked("d", JSON.stringify(entry.details)),
    prevHash: entry.prevHash,
    hash: entry.hash,
  };
}

export function indexEntityOf(runId: string, seq: number, hash: string): Entity {
  return { partitionKey: CHAIN, rowKey: `${indexPrefixOf(runId)}${rowKeyOf(seq)}`, seq, hash };
}

interface Pending {
  record: AuditRecord;
  resolve(entry: AuditEntry): void;
  reject(error: unknown): void;
}

export class AzureAuditChain implements AuditChain {
  private tail: Tail | undefined;
  /** Appends waiting for the one in flight: they leave together, in order, as the next numbers of the chain. */
  private pending: Pending[] = [];
  private flushing = false;

  constructor(private readonly client: StorageClient) {}

  /**
   * Group commit. Appends of this process would only race each other for the same next number; instead, those that
   * arrive while one is in flight are linked in order and inserted in one entity group transaction (all or none), so
   * a run's append waits for about one round trip however many runs write at once.
   */
  append(record: AuditRecord): Promise<AuditEntry> {
    return new Promise((resolve, reject) => {
      this.pending.push({ record, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.nextBatch();
        try {
          const entries = await this.appendAll(batch.map((p) => p.record));
          batch.forEach((p, i) => p.resolve(entries[i]!));
        } catch (error) {
          for (const p of batch) p.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** As many waiting appends as one transaction takes: at most 100 entities and well under its 4 MiB. */
  private nextBatch(): Pending[] {
    let entities = 0;
    let size = 0;
    let count = 0;
    for (const p of this.pending) {
      const rows = p.record.runId === null ? 1 : 2;
      const bytes = JSON.stringify(p.record.details ?? {}).length + 1024;
      if (count > 0 && (entities + rows > MAX_BATCH_ENTITIES || size + bytes > MAX_BATCH_BYTES)) break;
      entities += rows;
      size += bytes;
      count++;
    }
    return this.pending.splice(0, count);
  }

  private async appendAll(records: AuditRecord[]): Promise<AuditEntry[]> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const tail = this.tail ?? (await this.findTail());
      const entries: AuditEntry[] = [];
      for (const record of records) entries.push(nextEntry(record, entries[entries.length - 1] ?? tail));
      const entities = entries.flatMap((entry) =>
        entry.runId === null
          ? [chainEntityOf(entry)]
          : [chainEntityOf(entry), indexEntityOf(entry.runId, entry.seq, entry.hash)],
      );
      try {
        await this.client.createEntities(AUDIT_TABLE, entities);
      } catch (error) {
        if (!isStorageError(error, 409)) throw error;
        // Another process took one of these numbers: walk to the new end and link to it.
        this.tail = await this.walk(tail);
        continue;
      }
      const last = entries[entries.length - 1]!;
      this.tail = { seq: last.seq, hash: last.hash };
      if (Math.floor(last.seq / HINT_EVERY) > Math.floor(tail.seq / HINT_EVERY)) {
        await this.client.upsertEntity(AUDIT_TABLE, { partitionKey: HEAD, rowKey: HEAD, seq: last.seq });
      }
      return entries;
    }
    throw new Error(`the audit chain kept moving under ${MAX_ATTEMPTS} attempts to append; try again`);
  }

  async trail(runId: string): Promise<AuditEntry[]> {
    const prefix = indexPrefixOf(runId);
    const index = await this.client.listEntities(
      AUDIT_TABLE,
      CHAIN,
      `RowKey ge ${quoted(prefix)} and RowKey lt ${quoted(`${prefix}~`)}`,
      ["seq", "hash"],
    );
    const expected = new Map(index.map((row) => [Number(row.seq), row.hash as string]));
    const seqs = [...expected.keys()].sort((a, b) => a - b);
    const entries: AuditEntry[] = [];
    for (let i = 0; i < seqs.length; i += PER_QUERY) {
      const filter = `(${seqs
        .slice(i, i + PER_QUERY)
        .map((seq) => `RowKey eq ${quoted(rowKeyOf(seq))}`)
        .join(" or ")})`;
      for (const row of await this.client.listEntities(AUDIT_TABLE, CHAIN, filter)) entries.push(fromEntity(row));
    }
    entries.sort((a, b) => a.seq - b.seq);
    // Each entry the index names must be there, be this run's, and hash as it did when it was appended.
    const bySeq = new Map(entries.map((entry) => [entry.seq, entry]));
    for (const seq of seqs) {
      const entry = bySeq.get(seq);
      if (!entry || entry.runId !== runId || entry.hash !== expected.get(seq) || entryHash(entry) !== entry.hash) {
        throw new Error(
          `the audit chain's entry #${seq} does not match its index for run ${runId}: the chain was changed after it ` +
            "was written. Run acr-cmk audit verify.",
        );
      }
    }
    return entries;
  }

  async verify(): Promise<AuditVerdict> {
    const rows = await this.client.listEntities(AUDIT_TABLE, CHAIN, ENTRIES_ONLY);
    // An entry stored under another key than its number was moved: parse refuses it, and the chain breaks there.
    return verifyChain(
      rows,
      (row) => Number(row.seq),
      (row) => {
        const entry = fromEntity(row);
        if (row.rowKey !== rowKeyOf(entry.seq)) throw new Error("entry under the wrong key");
        return entry;
      },
    );
  }

  private async findTail(): Promise<Tail> {
    const hint = await this.client.getEntity(AUDIT_TABLE, HEAD, HEAD);
    const hinted = hint ? await this.client.getEntity(AUDIT_TABLE, CHAIN, rowKeyOf(Number(hint.seq))) : undefined;
    return this.walk(
      hinted ? { seq: Number(hinted.seq), hash: hinted.hash as string } : { seq: 0, hash: GENESIS_HASH },
    );
  }

  /** Whatever was appended after `from`, in one query (keys sort as the sequence does). */
  private async walk(from: Tail): Promise<Tail> {
    const newer = await this.client.listEntities(
      AUDIT_TABLE,
      CHAIN,
      `RowKey gt ${quoted(rowKeyOf(from.seq))} and ${ENTRIES_ONLY}`,
      ["seq", "hash"],
    );
    const last = newer[newer.length - 1];
    return last ? { seq: Number(last.seq), hash: last.hash as string } : from;
  }
}
