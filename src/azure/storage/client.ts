// Azure Storage (Tables and Blobs) for the shared run store, called through the SDK directly: every call is a promise,
// so a slow or unreachable account delays only the run that waits for it, never this process's event loop (other
// runs, Slack's 3-second acks). A call costs one round trip to the account (plus the SDK's retries).
import { DefaultAzureCredential } from "@azure/identity";
import { odata, TableClient, TableServiceClient, type TransactionAction } from "@azure/data-tables";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { AzureFailure } from "../types.js";
import type { StoreLocation } from "./location.js";

/** A refusal by the storage service (412 lost race, 409 already exists, 404 ...), with its status and error code. */
export class StorageError extends Error {
  override readonly name = "StorageError";
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export function isStorageError(error: unknown, status?: number): error is StorageError {
  return error instanceof StorageError && (status === undefined || error.status === status);
}

export type Entity = Record<string, unknown> & { partitionKey: string; rowKey: string; etag?: string };

export interface BlobState {
  metadata: Record<string, string>;
  leaseState: string;
}

let processOperations = 0;

/** Round trips to any shared store from this process so far (the benchmark's "store operations"). */
export function storageOperations(): number {
  return processOperations;
}

// Retries are short: a store that stays unreachable for ~10 s is reported (exit 3) rather than waited for; an emulator
// or account that blinks (a restart) is ridden out. https://learn.microsoft.com/azure/storage/blobs/storage-retry-policy
const TABLE_RETRY = { maxRetries: 6, retryDelayInMs: 200, maxRetryDelayInMs: 3000 };
const BLOB_RETRY = { maxTries: 7, retryDelayInMs: 200, maxRetryDelayInMs: 3000, tryTimeoutInMs: 20_000 };

/** Entities come back with the service's metadata; `etag` is kept under its own name, the rest is dropped. */
function plain(entity: Record<string, unknown>): Entity {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entity)) {
    if (key === "odata.metadata") continue;
    out[key] = value;
  }
  return out as Entity;
}

export class StorageClient {
  /** Store operations sent, for the benchmark and the tests (one per round trip to the account). */
  operations = 0;
  private closed = false;
  private readonly tables = new Map<string, TableClient>();
  private readonly blobService: BlobServiceClient;
  private readonly credential: DefaultAzureCredential | undefined;
  private readonly insecure: boolean;

  /** `ready`: what every call waits for first (the store's schema check and set-up, made by another client). */
  constructor(
    readonly location: StoreLocation,
    private readonly ready?: Promise<unknown>,
  ) {
    const setup = location.secretSetup;
    this.insecure =
      "connectionString" in setup &&
      (setup.connectionString.includes("http://") || /UseDevelopmentStorage=true/i.test(setup.connectionString));
    this.credential = "connectionString" in setup ? undefined : new DefaultAzureCredential();
    this.blobService =
      "connectionString" in setup
        ? BlobServiceClient.fromConnectionString(setup.connectionString, { retryOptions: BLOB_RETRY })
        : new BlobServiceClient(setup.blobUrl, this.credential, { retryOptions: BLOB_RETRY });
  }

  private table(name: string): TableClient {
    let client = this.tables.get(name);
    if (!client) {
      const setup = this.location.secretSetup;
      const options = { retryOptions: TABLE_RETRY, allowInsecureConnection: this.insecure };
      client =
        "connectionString" in setup
          ? TableClient.fromConnectionString(setup.connectionString, name, options)
          : new TableClient(setup.tableUrl, name, this.credential!, options);
      this.tables.set(name, client);
    }
    return client;
  }

  private container(name: string): ContainerClient {
    return this.blobService.getContainerClient(name);
  }

  /** One round trip: counted, and its failure said in the store's terms (never with its key). */
  private async call<T>(work: () => Promise<T>): Promise<T> {
    if (this.ready) await this.ready;
    if (this.closed) throw new Error("the shared store is closed");
    this.operations++;
    processOperations++;
    try {
      return await work();
    } catch (error) {
      const e = error as { statusCode?: number; code?: string; message?: string; details?: { errorCode?: string } };
      const status = e.statusCode;
      // The first line only: SDK messages may append the whole response body.
      const message = String(e.message ?? error).split("\n")[0]!;
      if (status === undefined || status === 401 || status === 403) throw this.unreachable(message, status);
      const code = e.details?.errorCode ?? e.code;
      throw new StorageError(message, status, code === undefined ? undefined : String(code));
    }
  }

  /** Unreachable or refusing us: exit 3 with the store's name (never its key) and what to check. */
  private unreachable(reason: string, status?: number): AzureFailure {
    const auth = status === 401 || status === 403;
    return new AzureFailure(
      auth
        ? `the shared store ${this.location.name} (ACR_CMK_STORE) refused this identity (${reason}). Grant it ` +
            '"Storage Table Data Contributor" and "Storage Blob Data Contributor" on the account, or fix the connection string.'
        : `the shared store ${this.location.name} (ACR_CMK_STORE) could not be reached (${reason}). Check the ` +
            "account name, the network (firewall, private endpoint) and that the account exists.",
      auth ? "auth" : "network",
      { ...(status !== undefined ? { statusCode: status } : {}), operation: "shared store" },
    );
  }

  async probe(): Promise<void> {
    const setup = this.location.secretSetup;
    const service =
      "connectionString" in setup
        ? TableServiceClient.fromConnectionString(setup.connectionString, {
            retryOptions: TABLE_RETRY,
            allowInsecureConnection: this.insecure,
          })
        : new TableServiceClient(setup.tableUrl, this.credential!, { retryOptions: TABLE_RETRY });
    await this.call(() => service.getProperties());
  }
  async ensureTable(table: string): Promise<void> {
    await this.call(() => this.table(table).createTable());
  }
  async getEntity(table: string, partitionKey: string, rowKey: string): Promise<Entity | undefined> {
    try {
      return plain(await this.call(() => this.table(table).getEntity(partitionKey, rowKey)));
    } catch (error) {
      if (isStorageError(error, 404)) return undefined;
      throw error;
    }
  }
  /** Fails with 409 when the entity exists: the insert is the atomic claim of its key. */
  async createEntity(table: string, entity: Entity): Promise<string> {
    return (await this.call(() => this.table(table).createEntity(entity))).etag ?? "";
  }
  /**
   * Inserts every entity or none (an entity group transaction: one partition, one round trip). A 409 on any of them
   * fails all. https://learn.microsoft.com/rest/api/storageservices/performing-entity-group-transactions
   */
  async createEntities(table: string, entities: Entity[]): Promise<void> {
    const actions: TransactionAction[] = entities.map((entity) => ["create", entity]);
    await this.call(() => this.table(table).submitTransaction(actions));
  }
  /** Fails with 412 when the stored entity changed since `etag` was read. */
  async replaceEntity(table: string, entity: Entity, etag: string): Promise<string> {
    return (await this.call(() => this.table(table).updateEntity(entity, "Replace", { etag }))).etag ?? "";
  }
  async upsertEntity(table: string, entity: Entity): Promise<string> {
    return (await this.call(() => this.table(table).upsertEntity(entity, "Replace"))).etag ?? "";
  }
  async listEntities(table: string, partitionKey: string, filter?: string, select?: string[]): Promise<Entity[]> {
    const full = odata`PartitionKey eq ${partitionKey}` + (filter ? ` and ${filter}` : "");
    const queryOptions = select ? { filter: full, select } : { filter: full };
    return this.call(async () => {
      const out: Entity[] = [];
      for await (const entity of this.table(table).listEntities({ queryOptions })) out.push(plain(entity));
      return out;
    });
  }
  async ensureContainer(container: string): Promise<void> {
    await this.call(() => this.container(container).createIfNotExists());
  }
  async ensureBlob(container: string, blob: string): Promise<void> {
    try {
      await this.call(() =>
        this.container(container)
          .getBlockBlobClient(blob)
          .upload("", 0, { conditions: { ifNoneMatch: "*" } }),
      );
    } catch (error) {
      // Already there (409 while leased, 412 otherwise): nothing to do.
      if (!isStorageError(error, 409) && !isStorageError(error, 412)) throw error;
    }
  }
  async blobState(container: string, blob: string): Promise<BlobState> {
    const props = await this.call(() => this.container(container).getBlobClient(blob).getProperties());
    return { metadata: props.metadata ?? {}, leaseState: props.leaseState ?? "available" };
  }
  async acquireLease(container: string, blob: string, leaseId: string, seconds: number): Promise<void> {
    const lease = this.container(container).getBlobClient(blob).getBlobLeaseClient(leaseId);
    await this.call(() => lease.acquireLease(seconds));
  }
  async renewLease(container: string, blob: string, leaseId: string): Promise<void> {
    const lease = this.container(container).getBlobClient(blob).getBlobLeaseClient(leaseId);
    await this.call(() => lease.renewLease());
  }
  async releaseLease(container: string, blob: string, leaseId: string): Promise<void> {
    const lease = this.container(container).getBlobClient(blob).getBlobLeaseClient(leaseId);
    await this.call(() => lease.releaseLease());
  }
  async breakLease(container: string, blob: string): Promise<void> {
    const lease = this.container(container).getBlobClient(blob).getBlobLeaseClient();
    await this.call(() => lease.breakLease(0));
  }
  async setMetadata(container: string, blob: string, metadata: Record<string, string>, leaseId: string) {
    const client = this.container(container).getBlobClient(blob);
    await this.call(() => client.setMetadata(metadata, { conditions: { leaseId } }));
  }

  close(): void {
    this.closed = true;
  }
}
