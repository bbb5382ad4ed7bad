// Builds the CmkAzure a command runs against: the cloud (DefaultAzureCredential + subscription), or any in-process
// service that answers as Azure does (the same SDK clients over an in-process transport). The sandbox is such a
// service, but this folder never loads it: the CLI's composition root (src/cli/wiring.ts) hands it in.
import type { TokenCredential } from "@azure/core-auth";
import { UsageError } from "../errors.js";
import { createCmkAzure, type ResponseRecord } from "./cmk-azure.js";
import { createCloudCredential, createSandboxCredential } from "./credentials.js";
import { isGuid } from "./ids.js";
import { createSandboxHttpClient, type InProcessService } from "./sandbox-transport.js";
import type { AzurePlace, CallOptions, CmkAzure, SubscriptionInfo } from "./types.js";

/** Options of the port builders beyond the target. */
export interface CliAzureOptions {
  /** Called once per HTTP response (method, URL without query, status, request id): the run engine's audit log. */
  onResponse?: (record: ResponseRecord) => void;
}

/** The in-process service answers Retry-After: 0; injected 429/503 faults are still retried, without the cloud's waits. */
export const IN_PROCESS_RETRIES = { maxRetries: 3, retryDelayInMs: 1, maxRetryDelayInMs: 20 } as const;

export interface InProcessAzureOptions extends CliAzureOptions {
  service: InProcessService;
  subscriptionId: string;
  place: AzurePlace;
}

/** The port over an in-process service: real SDK clients, real Azure URLs, an unsigned token the service accepts. */
export function createInProcessAzure(options: InProcessAzureOptions): CmkAzure {
  return createCmkAzure({
    subscriptionId: options.subscriptionId,
    place: options.place,
    credential: createSandboxCredential(),
    httpClient: createSandboxHttpClient(options.service),
    updateIntervalInMs: 0,
    retryOptions: { ...IN_PROCESS_RETRIES },
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

/** The port against Azure for `--subscription` (or AZURE_SUBSCRIPTION_ID). */
export async function createCloudAzure(
  target: Pick<AzureTarget, "subscription">,
  env: NodeJS.ProcessEnv,
  options: CliAzureOptions = {},
): Promise<CmkAzure> {
  const subscriptionId = requireSubscriptionId(target.subscription ?? env.AZURE_SUBSCRIPTION_ID);
  return createCmkAzure({
    subscriptionId,
    credential: await cloudCredential(env),
    ...(options.onResponse ? { onResponse: options.onResponse } : {}),
  });
}

/** Before a subscription is chosen: the ones the identity can see, and the port for the one chosen. */
export interface SubscriptionDirectory {
  listSubscriptions(options?: CallOptions): Promise<SubscriptionInfo[]>;
  /** The port for one subscription, signed in with the directory's own credential (one sign-in for both). */
  azureFor(subscriptionId: string, options?: CliAzureOptions): Promise<CmkAzure>;
}

/** The subscriptions an in-process service holds, listed by the real SubscriptionClient over its transport. */
export async function listInProcessSubscriptions(
  service: InProcessService,
  options?: CallOptions,
): Promise<SubscriptionInfo[]> {
  const { listSubscriptions } = await import("./subscriptions.js");
  return listSubscriptions(
    createSandboxCredential(),
    { httpClient: createSandboxHttpClient(service), retryOptions: { ...IN_PROCESS_RETRIES } },
    options,
  );
}

/** The cloud's directory: works without a subscription (DefaultAzureCredential lists what the identity can see). */
export async function createCloudSubscriptionDirectory(env: NodeJS.ProcessEnv): Promise<SubscriptionDirectory> {
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
