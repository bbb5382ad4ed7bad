// Builds the CmkAzure a command runs against: the cloud (DefaultAzureCredential + subscription) or the sandbox (the
// same SDK clients over the sandbox's in-process transport, with the world kept in the state file). Also the
// subscription directory, which needs no subscription: it lists them, then builds the port for the one chosen.
import { resolve } from "node:path";
import type { TokenCredential } from "@azure/core-auth";
import type { PipelineRetryOptions } from "@azure/core-rest-pipeline";
import { UsageError } from "../errors.js";
import { createSandboxHandler } from "../sandbox/handler.js";
import { fileStore, SandboxStateError, type WorldStore } from "../sandbox/store.js";
import { createCmkAzure, type ResponseRecord } from "./cmk-azure.js";
import { createCloudCredential, createSandboxCredential } from "./credentials.js";
import { isGuid } from "./ids.js";
import type { RequestGate } from "./port/gate-policy.js";
import { createSandboxHttpClient } from "./sandbox-transport.js";
import type { CallOptions, CmkAzure, SubscriptionInfo } from "./types.js";

export interface SandboxAzureOptions {
  /** The sandbox state file (as `--sandbox <file>`); or give `store`. */
  stateFile?: string;
  store?: WorldStore;
  /** Delay per request (ms), on top of the world's own latency setting: benchmarks and timeout tests. */
  latencyMs?: number;
  /** Another subscription of the sandbox's world than its first (fleet worlds). */
  subscriptionId?: string;
  /** Bounds the requests in flight (the fleet scan). */
  gate?: RequestGate;
  /** Retries instead of the sandbox port's usual three (the fleet scan waits out longer bursts of 429s). */
  retryOptions?: PipelineRetryOptions;
  onResponse?: (record: ResponseRecord) => void;
}

function readSubscription(store: WorldStore, where: string): string {
  try {
    return store.read().subscriptionId;
  } catch (error) {
    if (error instanceof SandboxStateError) {
      // The hint once: "no sandbox at …" already names the command.
      const hint = error.message.includes("sandbox init")
        ? ""
        : ` (run \`acr-cmk sandbox init\` to create the sandbox${where})`;
      throw new UsageError(`${error.message}${hint}`);
    }
    throw error;
  }
}

/** The port over the embedded sandbox: real SDK clients, real Azure URLs, the sandbox's in-process HttpClient. */
export function createSandboxAzure(options: SandboxAzureOptions): CmkAzure {
  if (!options.store && !options.stateFile) throw new UsageError("sandbox: give a state file or a store");
  const store = options.store ?? fileStore(options.stateFile as string);
  const worldSubscription = readSubscription(store, options.stateFile ? ` at ${options.stateFile}` : "");
  const subscriptionId = options.subscriptionId ?? worldSubscription;
  const handler = createSandboxHandler({ store, ...(options.latencyMs ? { latencyMs: options.latencyMs } : {}) });
  const httpClient = createSandboxHttpClient(handler);
  return createCmkAzure({
    subscriptionId,
    place: { kind: "sandbox", ...(options.stateFile ? { stateFile: resolve(options.stateFile) } : {}) },
    credential: createSandboxCredential(),
    httpClient,
    // The sandbox answers Retry-After: 0; injected 429/503 faults are still retried, just without the cloud's waits.
    updateIntervalInMs: 0,
    retryOptions: options.retryOptions ?? { maxRetries: 3, retryDelayInMs: 1, maxRetryDelayInMs: 20 },
    ...(options.onResponse ? { onResponse: options.onResponse } : {}),
    ...(options.gate ? { gate: options.gate } : {}),
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

/** The subscription a command names, checked before any call: missing or not a GUID is bad usage (exit 2). */
function requireSubscriptionId(given: string | undefined): string {
  const subscriptionId = given?.trim();
  if (!subscriptionId) {
    throw new UsageError(
      "no subscription: pass --subscription <id> or set AZURE_SUBSCRIPTION_ID (or run `acr-cmk` on a terminal to choose one)",
    );
  }
  if (!isGuid(subscriptionId)) {
    throw new UsageError(`invalid subscription '${subscriptionId}': expected a subscription id (a GUID)`);
  }
  return subscriptionId;
}

/** DefaultAzureCredential fails lazily: a missing sign-in surfaces as AzureFailure kind "auth" (exit 3) at the first call. */
function cloudCredential(env: NodeJS.ProcessEnv): Promise<TokenCredential> {
  return createCloudCredential(env.AZURE_TENANT_ID ? { tenantId: env.AZURE_TENANT_ID } : {});
}

/** What `ctx.azure()` returns: sandbox mode when `--sandbox` / ACR_CMK_SANDBOX is set, the cloud otherwise. */
export async function createAzureForCli(
  globals: AzureTarget,
  env: NodeJS.ProcessEnv,
  options: CliAzureOptions = {},
): Promise<CmkAzure> {
  const onResponse = options.onResponse ? { onResponse: options.onResponse } : {};
  if (globals.sandbox) return createSandboxAzure({ stateFile: globals.sandbox, ...onResponse });
  const subscriptionId = requireSubscriptionId(globals.subscription ?? env.AZURE_SUBSCRIPTION_ID);
  return createCmkAzure({ subscriptionId, credential: await cloudCredential(env), ...onResponse });
}

/** Before a subscription is chosen: the ones the identity can see, and the port for the one chosen. */
export interface SubscriptionDirectory {
  listSubscriptions(options?: CallOptions): Promise<SubscriptionInfo[]>;
  /** The port for one subscription, signed in with the directory's own credential (one sign-in for both). */
  azureFor(subscriptionId: string, options?: CliAzureOptions): Promise<CmkAzure>;
}

/** The sandbox's directory: its world's one subscription, listed by the real SubscriptionClient over its transport. */
function sandboxDirectory(stateFile: string): SubscriptionDirectory {
  const store = fileStore(stateFile);
  const worldSubscription = readSubscription(store, ` at ${stateFile}`);
  const httpClient = createSandboxHttpClient(createSandboxHandler({ store }));
  return {
    async listSubscriptions(options) {
      const { listSubscriptions } = await import("./subscriptions.js");
      return listSubscriptions(
        createSandboxCredential(),
        { httpClient, retryOptions: { maxRetries: 3, retryDelayInMs: 1, maxRetryDelayInMs: 20 } },
        options,
      );
    },
    async azureFor(subscriptionId, options = {}) {
      if (subscriptionId.trim().toLowerCase() !== worldSubscription.toLowerCase()) {
        throw new UsageError(`subscription ${subscriptionId} is not the sandbox's (${worldSubscription})`);
      }
      return createSandboxAzure({
        store,
        stateFile,
        ...(options.onResponse ? { onResponse: options.onResponse } : {}),
      });
    },
  };
}

/**
 * The subscription directory a terminal session starts from when no subscription was given: works without one in
 * both modes (cloud: DefaultAzureCredential; sandbox: the state file's world).
 */
export async function createSubscriptionDirectory(
  target: Pick<AzureTarget, "sandbox">,
  env: NodeJS.ProcessEnv,
): Promise<SubscriptionDirectory> {
  if (target.sandbox) return sandboxDirectory(target.sandbox);
  const credential = await cloudCredential(env);
  return {
    async listSubscriptions(options) {
      const { listSubscriptions } = await import("./subscriptions.js");
      return listSubscriptions(credential, {}, options);
    },
    async azureFor(subscriptionId, options = {}) {
      return createCmkAzure({
        subscriptionId: requireSubscriptionId(subscriptionId),
        credential,
        ...(options.onResponse ? { onResponse: options.onResponse } : {}),
      });
    },
  };
}
