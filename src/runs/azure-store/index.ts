// The shared store: runs, the audit chain and the registry locks in one Azure Storage account (ACR_CMK_STORE).
import { createHash } from "node:crypto";
import { isStorageError, StorageClient } from "../../azure/storage/client.js";
import { parseStoreLocation } from "../../azure/storage/location.js";
import type { RunBackend } from "../store.js";
import { AUDIT_TABLE, AzureAuditChain } from "./audit.js";
import { assertSchema, STORE_SCHEMA } from "./entities.js";
import { AzureLeaseLocks, LOCKS_CONTAINER } from "./locks.js";
import { AzureRunStore, RUNS_TABLE } from "./runs.js";

const CLAIM = "claim";
const claimKey = (key: string) => createHash("sha256").update(key).digest("hex");
const META = { partitionKey: "meta", rowKey: "schema" } as const;

export function openAzureBackend(setting: string): RunBackend {
  const location = parseStoreLocation(setting);
  const client = new StorageClient(location);
  try {
    prepare(client, location.name);
  } catch (error) {
    client.close();
    throw error;
  }
  return {
    name: location.name,
    runs: new AzureRunStore(client, location.name),
    audit: new AzureAuditChain(client),
    locks: (ttlMs, now) => new AzureLeaseLocks(client, ttlMs, now),
    // Each call is one conditional request; nothing spans two of them (see the stores for how races end).
    exclusive: (work) => work(),
    // An insert of the key's entity: the service lets exactly one succeed.
    claimOnce: (key, value = "") => {
      try {
        client.createEntity(RUNS_TABLE, { partitionKey: CLAIM, rowKey: claimKey(key), value });
        return true;
      } catch (error) {
        if (isStorageError(error, 409)) return false;
        throw error;
      }
    },
    claimedValue: (key) => {
      const entity = client.getEntity(RUNS_TABLE, CLAIM, claimKey(key));
      return typeof entity?.value === "string" ? entity.value : undefined;
    },
    operations: () => client.operations,
    close: () => client.close(),
  };
}

/**
 * Reads the store's schema first, and creates nothing in a store written by a newer acr-cmk. The tables and the
 * container are created when missing (idempotent); so is the schema marker, by an insert only one process wins.
 */
function prepare(client: StorageClient, name: string): void {
  const existing = client.getEntity(RUNS_TABLE, META.partitionKey, META.rowKey);
  if (existing) assertSchema(name, existing);
  client.ensureTable(RUNS_TABLE);
  client.ensureTable(AUDIT_TABLE);
  client.ensureContainer(LOCKS_CONTAINER);
  if (!existing) {
    try {
      client.createEntity(RUNS_TABLE, { ...META, schema: STORE_SCHEMA });
    } catch (error) {
      if (!isStorageError(error, 409)) throw error;
    }
  }
}
