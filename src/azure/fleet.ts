// Builds the FleetAzure a fleet command runs against: Resource Graph for the inventory and one CmkAzure per
// subscription for the checks, all on one credential and one transport (the cloud's, or the sandbox's in-process one).
import type { TokenCredential } from "@azure/core-auth";
import { UsageError } from "../errors.js";
import { createCmkAzure } from "./cmk-azure.js";
import { createCloudCredential } from "./credentials.js";
import type { AzureTarget } from "./factory.js";
import type { FleetAzure, FleetAzureOptions } from "./fleet-types.js";
import { isGuid } from "./ids.js";
import { createResourceGraph, type ResourceGraphSettings } from "./resource-graph.js";
import { listSubscriptions } from "./subscriptions.js";
import type { AzurePlace, CmkAzure } from "./types.js";

/**
 * A fleet scan makes many reads against one subscription's budget: more retries than a single command's 3, so that a
 * burst of 429s is waited out (each retry honours Retry-After) rather than reported as a failed check.
 */
export const FLEET_MAX_RETRIES = 8;
/** As the sandbox port: injected 429/503 are retried without the cloud's waits (Retry-After still honoured). */
export const SANDBOX_RETRIES = { maxRetries: FLEET_MAX_RETRIES, retryDelayInMs: 1, maxRetryDelayInMs: 20 };

export interface FleetParts {
  place: AzurePlace;
  credential: TokenCredential;
  settings: ResourceGraphSettings;
  defaultSubscription?: string;
  port(subscriptionId: string): CmkAzure;
}

export function assemble(parts: FleetParts): FleetAzure {
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

/** The fleet in the cloud (DefaultAzureCredential); the CLI's wiring builds the sandbox's (src/cli/fleet-azure.ts). */
export async function createCloudFleet(
  globals: AzureTarget,
  env: NodeJS.ProcessEnv,
  options: FleetAzureOptions = {},
): Promise<FleetAzure> {
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
