// Builds the FleetAzure a fleet command runs against: Resource Graph for the inventory and one CmkAzure per
// subscription for the checks, all on one credential and one transport (the cloud's, or the sandbox's in-process one).
import type { TokenCredential } from "@azure/core-auth";
import { UsageError } from "../errors.js";
import { createSandboxHandler } from "../sandbox/handler.js";
import { fileStore, type WorldStore } from "../sandbox/store.js";
import { createCmkAzure } from "./cmk-azure.js";
import { createCloudCredential, createSandboxCredential } from "./credentials.js";
import { createSandboxAzure, type AzureTarget } from "./factory.js";
import type { FleetAzure, FleetAzureOptions } from "./fleet-types.js";
import { isGuid } from "./ids.js";
import { createResourceGraph, type ResourceGraphSettings } from "./resource-graph.js";
import { createSandboxHttpClient } from "./sandbox-transport.js";
import { listSubscriptions } from "./subscriptions.js";
import type { AzurePlace, CmkAzure } from "./types.js";

/**
 * A fleet scan makes many reads against one subscription's budget: more retries than a single command's 3, so that a
 * burst of 429s is waited out (each retry honours Retry-After) rather than reported as a failed check.
 */
const FLEET_MAX_RETRIES = 8;
/** As the sandbox port: injected 429/503 are retried without the cloud's waits (Retry-After still honoured). */
const SANDBOX_RETRIES = { maxRetries: FLEET_MAX_RETRIES, retryDelayInMs: 1, maxRetryDelayInMs: 20 };

interface FleetParts {
  place: AzurePlace;
  credential: TokenCredential;
  settings: ResourceGraphSettings;
  defaultSubscription?: string;
  port(subscriptionId: string): CmkAzure;
}

function assemble(parts: FleetParts): FleetAzure {
  const graph = createResourceGraph(parts.credential, parts.settings);
  const ports = new Map<string, CmkAzure>();
  const fleet: FleetAzure = {
    place: parts.place,
    ...(parts.defaultSubscription ? { defaultSubscription: parts.defaultSubscription } : {}),
    listSubscriptions: (options) => listSubscriptions(parts.credential, parts.settings, options),
    inventory: (subscriptions, options) => graph.inventory(subscriptions, options),
    async getContainerGroup(id, options) {
      const subscription = /^\/subscriptions\/([^/]+)/i.exec(id)?.[1];
      if (!subscription || !isGuid(subscription)) throw new UsageError(`'${id}' is not a container group resource id`);
      return graph.getContainerGroup(id, [subscription], options);
    },
    portFor(subscriptionId) {
      const key = subscriptionId.toLowerCase();
      let port = ports.get(key);
      if (!port) {
        port = parts.port(subscriptionId);
        ports.set(key, port);
      }
      return port;
    },
  };
  return fleet;
}

/** The fleet over the embedded sandbox (state file or store). */
export function createSandboxFleet(
  options: { stateFile?: string; store?: WorldStore } & FleetAzureOptions,
): FleetAzure {
  if (!options.store && !options.stateFile) throw new UsageError("sandbox: give a state file or a store");
  const store = options.store ?? fileStore(options.stateFile as string);
  const onResponse = {
    ...(options.onResponse ? { onResponse: options.onResponse } : {}),
    ...(options.gate ? { gate: options.gate } : {}),
    retryOptions: SANDBOX_RETRIES,
  };
  // The first port reads the state file once and says clearly when there is no sandbox.
  const first = createSandboxAzure({
    store,
    ...(options.stateFile ? { stateFile: options.stateFile } : {}),
    ...onResponse,
  });
  const httpClient = createSandboxHttpClient(createSandboxHandler({ store }));
  return assemble({
    place: first.place,
    credential: createSandboxCredential(),
    settings: { httpClient, ...onResponse },
    defaultSubscription: first.subscriptionId,
    port: (subscriptionId) =>
      subscriptionId.toLowerCase() === first.subscriptionId.toLowerCase()
        ? first
        : createSandboxAzure({
            store,
            subscriptionId,
            ...(options.stateFile ? { stateFile: options.stateFile } : {}),
            ...onResponse,
          }),
  });
}

/** What a fleet command uses: the sandbox with --sandbox, the cloud (DefaultAzureCredential) otherwise. */
export async function createFleetAzureForCli(
  globals: AzureTarget,
  env: NodeJS.ProcessEnv,
  options: FleetAzureOptions = {},
): Promise<FleetAzure> {
  if (globals.sandbox) return createSandboxFleet({ stateFile: globals.sandbox, ...options });
  const credential = await createCloudCredential(env.AZURE_TENANT_ID ? { tenantId: env.AZURE_TENANT_ID } : {});
  const onResponse = {
    ...(options.onResponse ? { onResponse: options.onResponse } : {}),
    ...(options.gate ? { gate: options.gate } : {}),
  };
  const given = (globals.subscription ?? env.AZURE_SUBSCRIPTION_ID)?.trim();
  return assemble({
    place: { kind: "cloud" },
    credential,
    settings: { ...onResponse },
    ...(given ? { defaultSubscription: given } : {}),
    port: (subscriptionId) => createCmkAzure({ subscriptionId, credential, ...onResponse }),
  });
}
