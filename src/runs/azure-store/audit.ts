// The audit chain as Table entities, one per entry, keyed by sequence number. An append is an insert of the next
// number: the service lets exactly one insert of a key succeed (409 for the others), so two writers can never both
// link an entry to the same predecessor, and the chain cannot fork. A loser reads what was appended and tries again.
// https://learn.microsoft.com/rest/api/storageservices/insert-entity
import { isStorageError, type Entity, type StorageClient } from "../../azure/storage/client.js";
import { GENESIS_HASH, nextEntry, verifyChain, type AuditRecord } from "../audit-log.js";
import type { AuditChain } from "../store.js";
import type { AuditEntry } from "../types.js";
import { chunked, quoted, STORE_SCHEMA, unchunked } from "./entities.js";

export const AUDIT_TABLE = "acrcmkaudit";
const CHAIN = "chain";
const HEAD = "head";
/** The head entity is a hint of where the chain ends, refreshed every few appends; readers walk on from it. */
const HINT_EVERY = 8;
const MAX_ATTEMPTS = 50;

interface Tail {
  seq: number;
  hash: string;
}

function rowKeyOf(seq: number): string {
  return String(seq).padStart(12, "0");
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

function entityOf(entry: AuditEntry): Entity {
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

export class AzureAuditChain implements AuditChain {
  private tail: Tail | undefined;

  constructor(private readonly client: StorageClient) {}

  append(record: AuditRecord): AuditEntry {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const tail = this.tail ?? this.findTail();
      const entry = nextEntry(record, tail);
      try {
        this.client.createEntity(AUDIT_TABLE, entityOf(entry));
      } catch (error) {
        if (!isStorageError(error, 409)) throw error;
        // Another writer took this number: walk to the new end and link to it.
        this.tail = this.walk(tail);
        continue;
      }
      this.tail = { seq: entry.seq, hash: entry.hash };
      if (entry.seq % HINT_EVERY === 0) {
        this.client.upsertEntity(AUDIT_TABLE, { partitionKey: HEAD, rowKey: HEAD, seq: entry.seq });
      }
      return entry;
    }
    throw new Error(`the audit chain kept moving under ${MAX_ATTEMPTS} attempts to append; try again`);
  }

  trail(runId: string): AuditEntry[] {
    return this.client.listEntities(AUDIT_TABLE, CHAIN, `runId eq ${quoted(runId)}`).map(fromEntity);
  }

  verify(): { ok: boolean; entries: number; brokenAt?: number } {
    const rows = this.client.listEntities(AUDIT_TABLE, CHAIN);
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

  private findTail(): Tail {
    const hint = this.client.getEntity(AUDIT_TABLE, HEAD, HEAD);
    const hinted = hint ? this.client.getEntity(AUDIT_TABLE, CHAIN, rowKeyOf(Number(hint.seq))) : undefined;
    return this.walk(
      hinted ? { seq: Number(hinted.seq), hash: hinted.hash as string } : { seq: 0, hash: GENESIS_HASH },
    );
  }

  /** Whatever was appended after `from`, in one query (keys sort as the sequence does). */
  private walk(from: Tail): Tail {
    const newer = this.client.listEntities(AUDIT_TABLE, CHAIN, `RowKey gt ${quoted(rowKeyOf(from.seq))}`, [
      "seq",
      "hash",
    ]);
    const last = newer[newer.length - 1];
    return last ? { seq: Number(last.seq), hash: last.hash as string } : from;
  }
}
