// The SDK-backed CmkAzure: the one door to Azure. Each resource's operations live in ./port/*; this file wires them
// to one set of SDK clients (same transport, retries and audit policy for all).
import type { TokenCredential } from "@azure/core-auth";
import type { HttpClient, PipelineRetryOptions, TlsSettings } from "@azure/core-rest-pipeline";
import { z } from "zod";
import { callAzure } from "./errors.js";
import { isGuid } from "./ids.js";
import type { ResponseRecord } from "./port/audit-policy.js";
import { createSdkClients } from "./port/clients.js";
import { identityOperations } from "./port/identities.js";
import { keyOperations } from "./port/keys.js";
import { registryOperations } from "./port/registries.js";
import { registryDataPlaneCheck } from "./port/registry-data-plane.js";
import { roleAssignmentOperations } from "./port/role-assignments.js";
import { validate } from "./port/validation.js";
import { vaultOperations } from "./port/vaults.js";
import type { CallOptions, CmkAzure } from "./types.js";

export type { ResponseRecord } from "./port/audit-policy.js";

export interface CmkAzureOptions {
  subscriptionId: string;
  credential: TokenCredential;
  /** The transport: absent for the cloud (the SDK's default), the sandbox's HttpClient otherwise. */
  httpClient?: HttpClient;
  armEndpoint?: string;
  tlsOptions?: TlsSettings;
  retryOptions?: PipelineRetryOptions;
  /** Poll interval of long-running operations (ms); 0 against the sandbox. */
  updateIntervalInMs?: number;
  /** Called once per HTTP response, for the audit log. */
  onResponse?: (record: ResponseRecord) => void;
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

  const resolveClientId = async (identityResourceId: string, callOptions?: CallOptions) =>
    (await identities.getUserAssignedIdentity(identityResourceId, callOptions)).clientId;

  return {
    subscriptionId: options.subscriptionId,
    ...registryOperations(clients, resolveClientId),
    checkRegistryDataPlane: registryDataPlaneCheck(clients),
    ...identities,
    ...vaultOperations(clients, findTenantId),
    ...roleAssignmentOperations(clients),
    ...keyOperations(clients),
  };
}
