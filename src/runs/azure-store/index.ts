// The shared store: runs, the audit chain and the registry locks in one Azure Storage account (ACR_CMK_STORE).
import { createHash } from "node:crypto";
import { isStorageError, StorageClient } from "../../azure/storage/client.js";
import { parseStoreLocation } from "../../azure/storage/location.js";
import type { RunBackend } from "../store.js";
import { AUDIT_TABLE, AzureAuditChain, indexEntityOf } from "./audit.js";
import { assertSchema, STORE_SCHEMA } from "./entities.js";
import { exclusiveUnit } from "./exclusive.js";
import { AzureLeaseLocks, LOCKS_CONTAINER } from "./locks.js";
import { AzureRunStore, RUNS_TABLE } from "./runs.js";

const CLAIM = "claim";
const claimKey = (key: string) => createHash("sha256").update(key).digest("hex");
const META = { partitionKey: "meta", rowKey: "schema" } as const;

/**
 * Opens at once; the schema check and set-up run in the background, and every call waits for them: an unreachable
 * store or one of a newer schema fails the first call (exit 3 or 2), and nothing is written before it passed.
 */
export function openAzureBackend(setting: string): RunBackend {
  const location = parseStoreLocation(setting);
  const setup = new StorageClient(location);
  const ready = prepare(setup, location.name).finally(() => setup.close());
  // Seen by the first call, which fails with it; not an unhandled rejection in a process that makes none.
  ready.catch(() => undefined);
  const client = new StorageClient(location, ready);
  return {
    name: location.name,
    runs: new AzureRunStore(client, location.name),
    audit: new AzureAuditChain(client),
    locks: (ttlMs, now) => new AzureLeaseLocks(client, ttlMs, now),
    exclusive: (scope, work) => exclusiveUnit(client, scope, work),
    // An insert of the key's entity: the service lets exactly one succeed.
    claimOnce: async (key, value = "") => {
      try {
        await client.createEntity(RUNS_TABLE, { partitionKey: CLAIM, rowKey: claimKey(key), value });
        return true;
      } catch (error) {
        if (isStorageError(error, 409)) return false;
        throw error;
      }
    },
    claimedValue: async (key) => {
      const entity = await client.getEntity(RUNS_TABLE, CLAIM, claimKey(key));
      return typeof entity?.value === "string" ? entity.value : undefined;
    },
    operations: () => client.operations + setup.operations,
    close: () => client.close(),
  };
}

/**
 * Reads the store's schema first, and creates nothing in a store written by a newer acr-cmk. The tables and the
 * container are created when missing (idempotent); so is the schema marker, by an insert only one process wins.
 */
async function prepare(client: StorageClient, name: string): Promise<void> {
  const existing = await client.getEntity(RUNS_TABLE, META.partitionKey, META.rowKey);
  if (existing) assertSchema(name, existing);
  if (existing && Number(existing.schema) === STORE_SCHEMA) return;
  await client.ensureTable(RUNS_TABLE);
  await client.ensureTable(AUDIT_TABLE);
  await client.ensureContainer(LOCKS_CONTAINER);
  if (existing) return upgradeFrom1(client, existing.etag!);
  try {
    await client.createEntity(RUNS_TABLE, { ...META, schema: STORE_SCHEMA });
  } catch (error) {
    if (!isStorageError(error, 409)) throw error;
  }
}

/**
 * Schema 1 had no per-run index of the audit chain: every entry of a run gets its index row (an upsert, so two
 * processes upgrading at once agree), then the marker moves to 2 by ETag.
 */
async function upgradeFrom1(client: StorageClient, etag: string): Promise<void> {
  const entries = await client.listEntities(AUDIT_TABLE, "chain", "RowKey lt 'r-'", ["seq", "hash", "runId"]);
  for (const entry of entries) {
    if (typeof entry.runId !== "string") continue;
    await client.upsertEntity(AUDIT_TABLE, indexEntityOf(entry.runId, Number(entry.seq), entry.hash as string));
  }
  try {
    await client.replaceEntity(RUNS_TABLE, { ...META, schema: STORE_SCHEMA }, etag);
  } catch (error) {
    if (!isStorageError(error, 412)) throw error;
  }
}
