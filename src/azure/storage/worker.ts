// The worker thread behind StorageClient: it runs the async Azure Storage SDK calls that the engine's synchronous store
// contract (the one node:sqlite's store also keeps) waits for. Only packages and node: built-ins are imported, so
// Node loads this file as it is (type stripping) when the tests run from source, and as dist/.../worker.js otherwise.
import { MessagePort, workerData } from "node:worker_threads";
import { DefaultAzureCredential } from "@azure/identity";
import { TableClient, TableServiceClient, odata } from "@azure/data-tables";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";

interface Setup {
  connectionString?: string;
  tableUrl?: string;
  blobUrl?: string;
  signal: Int32Array;
  port: MessagePort;
}

interface Request {
  op: string;
  args: unknown[];
}

const setup = workerData as Setup;

// Retries are short: a store that stays unreachable for ~10 s is reported (exit 3) rather than waited for; an emulator
// or account that blinks (a restart) is ridden out. https://learn.microsoft.com/azure/storage/blobs/storage-retry-policy
const TABLE_RETRY = { maxRetries: 6, retryDelayInMs: 200, maxRetryDelayInMs: 3000 };
const BLOB_RETRY = { maxTries: 7, retryDelayInMs: 200, maxRetryDelayInMs: 3000, tryTimeoutInMs: 20_000 };
const insecure =
  setup.connectionString !== undefined &&
  (setup.connectionString.includes("http://") || /UseDevelopmentStorage=true/i.test(setup.connectionString));

const credential = setup.connectionString ? undefined : new DefaultAzureCredential();
const blobService = setup.connectionString
  ? BlobServiceClient.fromConnectionString(setup.connectionString, { retryOptions: BLOB_RETRY })
  : new BlobServiceClient(setup.blobUrl!, credential, { retryOptions: BLOB_RETRY });
const tables = new Map<string, TableClient>();

function table(name: string): TableClient {
  let client = tables.get(name);
  if (!client) {
    const options = { retryOptions: TABLE_RETRY, allowInsecureConnection: insecure };
    client = setup.connectionString
      ? TableClient.fromConnectionString(setup.connectionString, name, options)
      : new TableClient(setup.tableUrl!, name, credential!, options);
    tables.set(name, client);
  }
  return client;
}

function container(name: string): ContainerClient {
  return blobService.getContainerClient(name);
}

type Entity = Record<string, unknown> & { partitionKey: string; rowKey: string };

/** Entities travel as plain objects; `etag` rides along under its own name, the service's metadata is dropped. */
function plain(entity: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entity)) {
    if (key === "odata.metadata") continue;
    out[key] = value;
  }
  return out;
}

const OPS: Record<string, (...args: never[]) => Promise<unknown>> = {
  async ensureTable(name: string) {
    await table(name).createTable();
  },
  async tableServiceProbe() {
    const service = setup.connectionString
      ? TableServiceClient.fromConnectionString(setup.connectionString, {
          retryOptions: TABLE_RETRY,
          allowInsecureConnection: insecure,
        })
      : new TableServiceClient(setup.tableUrl!, credential!, { retryOptions: TABLE_RETRY });
    await service.getProperties();
  },
  async getEntity(name: string, partitionKey: string, rowKey: string) {
    try {
      return plain(await table(name).getEntity(partitionKey, rowKey));
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return null;
      throw error;
    }
  },
  async createEntity(name: string, entity: Entity) {
    return (await table(name).createEntity(entity)).etag;
  },
  /** Replace guarded by ETag: a 412 means another writer got there first. */
  async replaceEntity(name: string, entity: Entity, etag: string) {
    return (await table(name).updateEntity(entity, "Replace", { etag })).etag;
  },
  async upsertEntity(name: string, entity: Entity) {
    return (await table(name).upsertEntity(entity, "Replace")).etag;
  },
  async listEntities(name: string, partitionKey: string, extra: string | null, select: string[] | null) {
    const filter = odata`PartitionKey eq ${partitionKey}` + (extra ? ` and ${extra}` : "");
    const out: Record<string, unknown>[] = [];
    const queryOptions = select ? { filter, select } : { filter };
    for await (const entity of table(name).listEntities({ queryOptions })) out.push(plain(entity));
    return out;
  },
  async ensureContainer(name: string) {
    await container(name).createIfNotExists();
  },
  async ensureBlob(containerName: string, blob: string) {
    try {
      await container(containerName)
        .getBlockBlobClient(blob)
        .upload("", 0, { conditions: { ifNoneMatch: "*" } });
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      // Already there (409 while leased, 412 otherwise): nothing to do.
      if (status !== 409 && status !== 412) throw error;
    }
  },
  async blobProperties(containerName: string, blob: string) {
    const props = await container(containerName).getBlobClient(blob).getProperties();
    return { metadata: props.metadata ?? {}, leaseState: props.leaseState ?? "available" };
  },
  async acquireLease(containerName: string, blob: string, leaseId: string, seconds: number) {
    await container(containerName).getBlobClient(blob).getBlobLeaseClient(leaseId).acquireLease(seconds);
  },
  async renewLease(containerName: string, blob: string, leaseId: string) {
    await container(containerName).getBlobClient(blob).getBlobLeaseClient(leaseId).renewLease();
  },
  async releaseLease(containerName: string, blob: string, leaseId: string) {
    await container(containerName).getBlobClient(blob).getBlobLeaseClient(leaseId).releaseLease();
  },
  async breakLease(containerName: string, blob: string) {
    await container(containerName).getBlobClient(blob).getBlobLeaseClient().breakLease(0);
  },
  async setMetadata(containerName: string, blob: string, metadata: Record<string, string>, leaseId: string) {
    await container(containerName).getBlobClient(blob).setMetadata(metadata, { conditions: { leaseId } });
  },
};

function failure(error: unknown): { status?: number; code?: string; message: string } {
  const e = error as { statusCode?: number; code?: string; message?: string; details?: { errorCode?: string } };
  const code = e.details?.errorCode ?? e.code;
  return {
    ...(e.statusCode !== undefined ? { status: e.statusCode } : {}),
    ...(code !== undefined ? { code: String(code) } : {}),
    // The first line only: SDK messages may append the whole response body.
    message: String(e.message ?? error).split("\n")[0]!,
  };
}

setup.port.on("message", (request: Request) => {
  const op = OPS[request.op];
  const work = op
    ? (op as (...args: unknown[]) => Promise<unknown>)(...request.args)
    : Promise.reject(new Error(`unknown op ${request.op}`));
  work.then(
    (value) => reply({ ok: true, value: value ?? null }),
    (error: unknown) => reply({ ok: false, error: failure(error) }),
  );
});

function reply(message: unknown): void {
  setup.port.postMessage(message);
  Atomics.store(setup.signal, 0, 1);
  Atomics.notify(setup.signal, 0);
}
