// Builds the CmkAzure a command runs against: the cloud (DefaultAzureCredential + subscription) or the sandbox (the
// same SDK clients over the sandbox's in-process transport, with the world kept in the state file).
import { UsageError } from "../errors.js";
import { createSandboxHandler } from "../sandbox/handler.js";
import { fileStore, SandboxStateError, type WorldStore } from "../sandbox/store.js";
import { createCmkAzure, type ResponseRecord } from "./cmk-azure.js";
import { createCloudCredential, createSandboxCredential } from "./credentials.js";
import { isGuid } from "./ids.js";
import { createSandboxHttpClient } from "./sandbox-transport.js";
import type { CmkAzure } from "./types.js";

export interface SandboxAzureOptions {
  /** The sandbox state file (as `--sandbox <file>`); or give `store`. */
  stateFile?: string;
  store?: WorldStore;
  /** Delay per request (ms), on top of the world's own latency setting: benchmarks and timeout tests. */
  latencyMs?: number;
  onResponse?: (record: ResponseRecord) => void;
}

function readSubscription(store: WorldStore, where: string): string {
  try {
    return store.read().subscriptionId;
  } catch (error) {
    if (error instanceof SandboxStateError) {
      throw new UsageError(`${error.message} (run \`acr-cmk sandbox init\` to create the sandbox${where})`);
    }
    throw error;
  }
}

/** The port over the embedded sandbox: real SDK clients, real Azure URLs, the sandbox's in-process HttpClient. */
export function createSandboxAzure(options: SandboxAzureOptions): CmkAzure {
  if (!options.store && !options.stateFile) throw new UsageError("sandbox: give a state file or a store");
  const store = options.store ?? fileStore(options.stateFile as string);
  const subscriptionId = readSubscription(store, options.stateFile ? ` at ${options.stateFile}` : "");
  const handler = createSandboxHandler({ store, ...(options.latencyMs ? { latencyMs: options.latencyMs } : {}) });
  const httpClient = createSandboxHttpClient(handler);
  return createCmkAzure({
    subscriptionId,
    credential: createSandboxCredential(),
    httpClient,
    // The sandbox answers Retry-After: 0; injected 429/503 faults are still retried, just without the cloud's waits.
    updateIntervalInMs: 0,
    retryOptions: { maxRetries: 3, retryDelayInMs: 1, maxRetryDelayInMs: 20 },
    ...(options.onResponse ? { onResponse: options.onResponse } : {}),
  });
}

/** Where a command points: the CLI's global options fit this shape, so the port needs nothing from the CLI. */
export interface AzureTarget {
  /** `--subscription`; AZURE_SUBSCRIPTION_ID when absent. */
  subscription?: string;
  /** The sandbox state file when sandbox mode is on. */
  sandbox?: string;
}

/** Options of `createAzureForCli` beyond the target. */
export interface CliAzureOptions {
  /** Called once per HTTP response (method, URL without query, status, request id): the run engine's audit log. */
  onResponse?: (record: ResponseRecord) => void;
}

/** What `ctx.azure()` returns: sandbox mode when `--sandbox` / ACR_CMK_SANDBOX is set, the cloud otherwise. */
export async function createAzureForCli(
  globals: AzureTarget,
  env: NodeJS.ProcessEnv,
  options: CliAzureOptions = {},
): Promise<CmkAzure> {
  const onResponse = options.onResponse ? { onResponse: options.onResponse } : {};
  if (globals.sandbox) return createSandboxAzure({ stateFile: globals.sandbox, ...onResponse });

  const subscriptionId = (globals.subscription ?? env.AZURE_SUBSCRIPTION_ID)?.trim();
  if (!subscriptionId) throw new UsageError("no subscription: pass --subscription <id> or set AZURE_SUBSCRIPTION_ID");
  if (!isGuid(subscriptionId)) {
    throw new UsageError(`invalid subscription '${subscriptionId}': expected a subscription id (a GUID)`);
  }
  // DefaultAzureCredential fails lazily: a missing sign-in surfaces as AzureFailure kind "auth" (exit 3) at the first call.
  const credential = await createCloudCredential(env.AZURE_TENANT_ID ? { tenantId: env.AZURE_TENANT_ID } : {});
  return createCmkAzure({ subscriptionId, credential, ...onResponse });
}
