// The engine's view of the Azure port: every write goes through here, so the run is persisted before the write
// leaves the process, the write and its Azure request id land in the audit log, and a closed engine writes nothing.
import { AsyncLocalStorage } from "node:async_hooks";
import { isAzureFailure, type CmkAzure } from "../azure/types.js";

/** What the port's `onResponse` hook reports for every HTTP response (src/azure's factory takes it as an option). */
export interface AzureResponseInfo {
  method: string;
  url: string;
  status: number;
  requestId?: string;
}

/** Port methods that change Azure. Reads (including backupKey, which changes nothing) are not listed. */
export const WRITE_METHODS: ReadonlySet<string> = new Set<keyof CmkAzure>([
  "assignRegistryIdentities",
  "removeRegistryIdentities",
  "rotateRegistryKey",
  "updateVaultNetworkAcls",
  "enableVaultPurgeProtection",
  "updateAccessPolicy",
  "recoverDeletedVault",
  "createRoleAssignment",
  "deleteRoleAssignment",
  "createKeyVersion",
  "updateKey",
  "deleteKey",
  "recoverDeletedKey",
  "restoreKeyBackup",
]);

/**
 * Ties HTTP responses to the port call that caused them. The SDK pipeline runs in the caller's async context, so
 * an AsyncLocalStorage bucket opened around a call collects exactly that call's request ids, even when several runs
 * share one port.
 */
export class AzureResponseRecorder {
  private readonly storage = new AsyncLocalStorage<string[]>();

  readonly onResponse = (info: AzureResponseInfo): void => {
    const bucket = this.storage.getStore();
    if (bucket && info.requestId && info.method.toUpperCase() !== "GET") bucket.push(info.requestId);
  };

  async track<T>(work: () => Promise<T>, bucket: string[]): Promise<T> {
    return this.storage.run(bucket, work);
  }
}

export interface WriteHooks {
  /** Awaited before the write is sent; a rejection stops the write. */
  beforeWrite(method: string, resource: string): Promise<void>;
  afterWrite(method: string, resource: string, outcome: string, requestIds: string[]): void;
}

/** A short, secret-free name of what a write touches (never the backup blob or key material). */
export function describeResource(args: readonly unknown[]): string {
  const parts: string[] = [];
  for (const arg of args.slice(0, 2)) {
    if (typeof arg === "string") parts.push(arg);
    else if (arg && typeof arg === "object" && "name" in arg && "resourceGroup" in arg) {
      const ref = arg as { resourceGroup: unknown; name: unknown };
      parts.push(`${String(ref.resourceGroup)}/${String(ref.name)}`);
    }
  }
  return parts.join(" ");
}

export function guardPort(azure: CmkAzure, hooks: WriteHooks, recorder?: AzureResponseRecorder): CmkAzure {
  return new Proxy(azure, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      const method = String(property);
      if (!WRITE_METHODS.has(method)) return (value as (...a: unknown[]) => unknown).bind(target);
      return async (...args: unknown[]) => {
        const resource = describeResource(args);
        await hooks.beforeWrite(method, resource);
        const requestIds: string[] = [];
        const call = () => Promise.resolve((value as (...a: unknown[]) => unknown).apply(target, args));
        try {
          const result = recorder ? await recorder.track(call, requestIds) : await call();
          hooks.afterWrite(method, resource, "ok", requestIds);
          return result;
        } catch (error) {
          if (isAzureFailure(error) && error.details.requestId && !requestIds.includes(error.details.requestId)) {
            requestIds.push(error.details.requestId);
          }
          const outcome = isAzureFailure(error) ? `failed: ${error.kind}` : "failed";
          hooks.afterWrite(method, resource, outcome, requestIds);
          throw error;
        }
      };
    },
  });
}
