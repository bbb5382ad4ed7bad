// Runs as Table entities, written by ETag: a writer whose copy is older than the stored run never overwrites it. A
// lost race re-reads the run; the same content is adopted, anything else is refused (StoreConflict) for the engine
// to re-decide from the stored run. https://learn.microsoft.com/rest/api/storageservices/update-entity2
import { isStorageError, type Entity, type StorageClient } from "../../azure/storage/client.js";
import { registryKey } from "../registry-lock.js";
import type { RunRecord } from "../run-store.js";
import { StoreConflict, type RunRecordStore } from "../store.js";
import type { RunRevision, RunStatus, RunSummary } from "../types.js";
import { assertSchema, chunked, quoted, STORE_SCHEMA, unchunked } from "./entities.js";

export const RUNS_TABLE = "acrcmkruns";
const RUN = "run";
const SUMMARY = ["RowKey", "schema", "runbook", "target", "requester", "status", "startedAt", "updatedAt"];

export class AzureRunStore implements RunRecordStore {
  /** The ETag of each run as this process last read or wrote it. */
  private readonly etags = new Map<string, { etag: string; body: string; place?: RunRecord["place"] }>();

  constructor(
    private readonly client: StorageClient,
    private readonly storeName: string,
  ) {}

  async save(record: RunRecord): Promise<void> {
    const known = this.etags.get(record.id);
    // As in SQLite: the place a run acts in, once stored, stays.
    const toWrite = known?.place && !record.place ? { ...record, place: known.place } : record;
    const body = JSON.stringify(toWrite);
    // Nothing changed since this process last wrote or read it: no round trip.
    if (known?.body === body) return;
    const entity = this.entityOf(toWrite, body);
    try {
      const etag = known
        ? await this.client.replaceEntity(RUNS_TABLE, entity, known.etag)
        : await this.client.createEntity(RUNS_TABLE, entity);
      this.etags.set(record.id, { etag, body, ...(toWrite.place ? { place: toWrite.place } : {}) });
    } catch (error) {
      if (!isStorageError(error, 412) && !isStorageError(error, 409)) throw error;
      const stored = await this.get(record.id);
      if (stored && JSON.stringify(stored) === body) return;
      throw new StoreConflict(
        `run ${record.id} was changed by another process (now ${stored?.status ?? "gone"}); this copy was not written`,
        record.id,
      );
    }
  }

  async get(id: string): Promise<RunRecord | undefined> {
    const entity = await this.client.getEntity(RUNS_TABLE, RUN, id);
    if (!entity) return undefined;
    assertSchema(this.storeName, entity);
    const body = unchunked("d", entity);
    const record = JSON.parse(body) as RunRecord;
    this.etags.set(id, { etag: entity.etag!, body, ...(record.place ? { place: record.place } : {}) });
    return record;
  }

  async revisions(ids: readonly string[]): Promise<Map<string, RunRevision>> {
    const out = new Map<string, RunRevision>();
    // An OData filter of up to 15 comparisons a query keeps the request small.
    for (let i = 0; i < ids.length; i += 15) {
      const filter = `(${ids
        .slice(i, i + 15)
        .map((id) => `RowKey eq ${quoted(id)}`)
        .join(" or ")})`;
      for (const entity of await this.client.listEntities(RUNS_TABLE, RUN, filter, ["RowKey", "status", "updatedAt"])) {
        out.set(entity.rowKey, { updatedAt: entity.updatedAt as string, status: entity.status as RunStatus });
      }
    }
    return out;
  }

  async list(): Promise<RunSummary[]> {
    const rows = await this.client.listEntities(RUNS_TABLE, RUN, undefined, SUMMARY);
    for (const row of rows) assertSchema(this.storeName, row);
    return rows
      .map((row) => ({
        id: row.rowKey,
        runbook: row.runbook as RunSummary["runbook"],
        target: JSON.parse(row.target as string) as RunSummary["target"],
        requester: row.requester as string,
        status: row.status as RunStatus,
        startedAt: row.startedAt as string,
        updatedAt: row.updatedAt as string,
      }))
      .sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : a.id < b.id ? -1 : 1));
  }

  private entityOf(record: RunRecord, body: string): Entity {
    return {
      partitionKey: RUN,
      rowKey: record.id,
      schema: STORE_SCHEMA,
      runbook: record.runbook,
      registryKey: registryKey(record.target),
      target: JSON.stringify(record.target),
      requester: record.requester,
      status: record.status,
      startedAt: record.startedAt,
      updatedAt: record.updatedAt,
      ...chunked("d", body),
    };
  }
}
