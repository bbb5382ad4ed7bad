// Azure Storage (Tables and Blobs) behind a synchronous face. The run store's contract is synchronous, as node:sqlite
// is: the engine persists a step inside XState's synchronous callbacks and fences an Azure write right before it leaves.
// The SDK is async, so its calls run in a worker thread and this thread waits for each answer (Atomics.wait), as it
// waits for SQLite's file lock (busy_timeout). A call costs one round trip to the account; the engine makes few.
import { existsSync } from "node:fs";
import { MessageChannel, receiveMessageOnPort, Worker } from "node:worker_threads";
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

/** Longer than the worker's whole retry budget: past it the worker is wedged, not slow. */
const CALL_TIMEOUT_MS = 60_000;

function workerUrl(): URL {
  const compiled = new URL("./worker.js", import.meta.url);
  return existsSync(compiled) ? compiled : new URL("./worker.ts", import.meta.url);
}

export class StorageClient {
  private readonly worker: Worker;
  private readonly port;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  /** Store operations sent, for the benchmark and the tests (one per round trip to the account). */
  operations = 0;
  private closed = false;

  constructor(readonly location: StoreLocation) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(workerUrl(), {
      workerData: { ...location.secretSetup, signal: this.signal, port: port2 },
      transferList: [port2],
    });
    // The worker only answers calls: it must not keep a finished CLI process alive.
    this.worker.unref();
  }

  private call<T>(op: string, ...args: unknown[]): T {
    if (this.closed) throw new Error("the shared store is closed");
    this.operations++;
    processOperations++;
    Atomics.store(this.signal, 0, 0);
    this.port.postMessage({ op, args });
    const waited = Atomics.wait(this.signal, 0, 0, CALL_TIMEOUT_MS);
    const message = receiveMessageOnPort(this.port)?.message as
      { ok: true; value: T } | { ok: false; error: { status?: number; code?: string; message: string } } | undefined;
    if (!message) {
      throw this.unreachable(waited === "timed-out" ? `no answer within ${CALL_TIMEOUT_MS / 1000} s` : "no answer");
    }
    if (message.ok) return message.value;
    const { status, code } = message.error;
    if (status === undefined || status === 401 || status === 403) throw this.unreachable(message.error.message, status);
    throw new StorageError(message.error.message, status, code);
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

  probe(): void {
    this.call("tableServiceProbe");
  }
  ensureTable(table: string): void {
    this.call("ensureTable", table);
  }
  getEntity(table: string, partitionKey: string, rowKey: string): Entity | undefined {
    return this.call<Entity | null>("getEntity", table, partitionKey, rowKey) ?? undefined;
  }
  /** Fails with 409 when the entity exists: the insert is the atomic claim of its key. */
  createEntity(table: string, entity: Entity): string {
    return this.call("createEntity", table, entity);
  }
  /** Fails with 412 when the stored entity changed since `etag` was read. */
  replaceEntity(table: string, entity: Entity, etag: string): string {
    return this.call("replaceEntity", table, entity, etag);
  }
  upsertEntity(table: string, entity: Entity): string {
    return this.call("upsertEntity", table, entity);
  }
  listEntities(table: string, partitionKey: string, filter?: string, select?: string[]): Entity[] {
    return this.call("listEntities", table, partitionKey, filter ?? null, select ?? null);
  }
  ensureContainer(container: string): void {
    this.call("ensureContainer", container);
  }
  ensureBlob(container: string, blob: string): void {
    this.call("ensureBlob", container, blob);
  }
  blobState(container: string, blob: string): BlobState {
    return this.call("blobProperties", container, blob);
  }
  acquireLease(container: string, blob: string, leaseId: string, seconds: number): void {
    this.call("acquireLease", container, blob, leaseId, seconds);
  }
  renewLease(container: string, blob: string, leaseId: string): void {
    this.call("renewLease", container, blob, leaseId);
  }
  releaseLease(container: string, blob: string, leaseId: string): void {
    this.call("releaseLease", container, blob, leaseId);
  }
  breakLease(container: string, blob: string): void {
    this.call("breakLease", container, blob);
  }
  setMetadata(container: string, blob: string, metadata: Record<string, string>, leaseId: string): void {
    this.call("setMetadata", container, blob, metadata, leaseId);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.port.close();
    void this.worker.terminate();
  }
}
