// The SDK-backed CmkAzure: the one door to Azure. Each resource's operations live in ./port/*; this file wires them
// to one set of SDK clients (same transport, retries and audit policy for all).
import { z } from "zod";
import { callAzure } from "./errors.js";
import { isGuid } from "./ids.js";
import { createSdkClients, type SdkClientOptions } from "./port/clients.js";
import { containerGroupOperations } from "./port/container-groups.js";
import { identityOperations } from "./port/identities.js";
import { keyOperations } from "./port/keys.js";
import { createResourceGraph, keyUsersOf } from "./resource-graph.js";
import { listSubscriptions } from "./subscriptions.js";
import { registryOperations } from "./port/registries.js";
import { registryDataPlaneCheck } from "./port/registry-data-plane.js";
import { roleAssignmentOperations } from "./port/role-assignments.js";
import { timelineOperations } from "./port/timeline.js";
import { validate } from "./port/validation.js";
import { vaultOperations } from "./port/vaults.js";
import { isAzureFailure, type AzurePlace, type CallOptions, type CmkAzure } from "./types.js";

export type { ResponseRecord } from "./port/audit-policy.js";

/** Everything the port is built from is what its SDK clients are built from. */
export interface CmkAzureOptions extends SdkClientOptions {
  /** Where these clients' calls land (default: the cloud). */
  place?: AzurePlace;
}

const optionsSchema = z.object({
  subscriptionId: z.string().refine(isGuid, "the subscription id must be a GUID"),
  armEndpoint: z.url({ protocol: /^https$/ }).optional(),
  updateIntervalInMs: z.number().int().min(0).optional(),
});

export function createCmkAzure(options: CmkAzureOptions): CmkAzure {
  validate(optionsSchema, options, "Azure client options");
  const clients = createSdkClients(options);
  const identities = identityOperations(clients);

  // A recovered vault needs its tenant in the PUT body; any vault or identity of the subscription carries it.
  async function findTenantId(callOptions?: CallOptions): Promise<string | undefined> {
    const fromVaults = await callAzure("list key vaults", async () => {
      for await (const vault of clients.vaults.vaults.listBySubscription({ abortSignal: callOptions?.abortSignal })) {
        if (vault.properties.tenantId) return vault.properties.tenantId;
      }
      return undefined;
    });
    if (fromVaults) return fromVaults;
    const all = await identities.listUserAssignedIdentities(callOptions);
    return all.find((identity) => identity.tenantId)?.tenantId;
  }

  const settings = {
    ...(options.httpClient ? { httpClient: options.httpClient } : {}),
    ...(options.retryOptions ? { retryOptions: options.retryOptions } : {}),
    ...(options.armEndpoint ? { armEndpoint: options.armEndpoint } : {}),
    ...(options.onResponse ? { onResponse: options.onResponse } : {}),
  };

  // Where else a key vault may be: the other subscriptions the identity can see, asked once and only when a vault is
  // not in this one. Best effort: an identity that cannot list subscriptions looks in this one only, as before.
  let others: Promise<string[]> | undefined;
  const otherSubscriptions = (callOptions?: CallOptions) =>
    (others ??= listSubscriptions(options.credential, settings, callOptions).then(
      (visible) =>
        visible
          .filter((s) => s.state !== "Disabled" && s.state !== "Deleted")
          .map((s) => s.subscriptionId)
          .filter((id) => id.toLowerCase() !== options.subscriptionId.toLowerCase()),
      (error: unknown) => {
        if (isAzureFailure(error)) return [];
        throw error;
      },
    ));

  const resolveClientId = async (identityResourceId: string, callOptions?: CallOptions) =>
    (await identities.getUserAssignedIdentity(identityResourceId, callOptions)).clientId;

  return {
    subscriptionId: options.subscriptionId,
    place: options.place ?? { kind: "cloud" },
    ...registryOperations(clients, resolveClientId),
    checkRegistryDataPlane: registryDataPlaneCheck(clients),
    ...identities,
    ...vaultOperations(clients, findTenantId, otherSubscriptions),
    ...roleAssignmentOperations(clients),
    ...keyOperations(clients),
    ...containerGroupOperations(clients),
    async findKeyUsers(keyId, callOptions) {
      const visible = await listSubscriptions(options.credential, settings, callOptions);
      const subscriptions = visible.length ? visible.map((s) => s.subscriptionId) : [options.subscriptionId];
      const inventory = await createResourceGraph(options.credential, settings).inventory(subscriptions, callOptions);
      return keyUsersOf(inventory, keyId);
    },
    ...timelineOperations(clients),
  };
}
