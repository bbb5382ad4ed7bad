// Construction of the real SDK clients, one set per port. Every client gets the same transport (the cloud's default
// or the sandbox's HttpClient), retry options, TLS settings, the error-body policy and the audit policy; nothing else
// differs between the cloud and the sandbox.
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import type { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import { ContainerRegistryManagementClient } from "@azure/arm-containerregistry";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import type { MonitorClient } from "@azure/arm-monitor";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import type { ResourceGraphClient } from "@azure/arm-resourcegraph";
import type { TokenCredential } from "@azure/core-auth";
import type { HttpClient, PipelineRetryOptions, TlsSettings } from "@azure/core-rest-pipeline";
import { ContainerRegistryClient } from "@azure/container-registry";
import { KeyClient } from "@azure/keyvault-keys";
import type { LogsQueryClient } from "@azure/monitor-query-logs";
import { parseVaultUrl } from "../ids.js";
import { auditPolicy, type ResponseRecord } from "./audit-policy.js";
import { errorBodyPolicy } from "./error-bodies.js";
import { gatePolicy, type RequestGate } from "./gate-policy.js";

export interface SdkClientOptions {
  subscriptionId: string;
  credential: TokenCredential;
  /** The transport: absent for the cloud (the SDK's default), the sandbox's HttpClient otherwise. */
  httpClient?: HttpClient;
  /** Resource Manager endpoint (sovereign clouds); default https://management.azure.com. */
  armEndpoint?: string;
  tlsOptions?: TlsSettings;
  retryOptions?: PipelineRetryOptions;
  /** Poll interval of long-running operations (ms); 0 against the sandbox (it answers Retry-After: 0 anyway). */
  updateIntervalInMs?: number;
  /** Called once per HTTP response, for the audit log. */
  onResponse?: (record: ResponseRecord) => void;
  /** Bounds the requests in flight (the fleet scan's adaptive concurrency); absent: no bound. */
  gate?: RequestGate;
}

export interface SdkClients {
  subscriptionId: string;
  armEndpoint: string;
  updateIntervalInMs?: number;
  registries: ContainerRegistryManagementClient;
  vaults: KeyVaultManagementClient;
  identities: ManagedServiceIdentityClient;
  /** An identity may live in another subscription than the registry (its resource id says which). */
  identitiesIn(subscriptionId: string): ManagedServiceIdentityClient;
  /** So may a key vault (a shared key's vault is in one subscription, its users in many). */
  vaultsIn(subscriptionId: string): KeyVaultManagementClient;
  authorization: AuthorizationManagementClient;
  /** One KeyClient per vault (its challenge cache is per vault), created on first use. */
  keyClient(vaultUrl: string): KeyClient;
  registryDataPlane(loginServer: string): ContainerRegistryClient;
  /** Container groups (ACI), loaded on first use: only a run for a container group reads them. */
  containerInstances(): Promise<ContainerInstanceManagementClient>;
  /**
   * The timeline's sources (Activity Log and diagnostic settings, Resource Graph, Log Analytics), loaded on first use:
   * their packages take about a second to import, which no other command should pay.
   */
  timelineClients(): Promise<TimelineClients>;
}

export interface TimelineClients {
  subscriptionId: string;
  monitor: MonitorClient;
  resourceGraph: ResourceGraphClient;
  logs: LogsQueryClient;
}

export const PUBLIC_ARM_ENDPOINT = "https://management.azure.com";

/** What every client's pipeline shares: the transport, retries, TLS, the error-body policy and the audit policy. */
export type PipelineSettings = Pick<
  SdkClientOptions,
  "httpClient" | "retryOptions" | "tlsOptions" | "onResponse" | "gate"
>;

export function pipelineOptions(options: PipelineSettings) {
  return {
    ...(options.httpClient ? { httpClient: options.httpClient } : {}),
    ...(options.retryOptions ? { retryOptions: options.retryOptions } : {}),
    ...(options.tlsOptions ? { tlsOptions: options.tlsOptions } : {}),
    additionalPolicies: [
      // Every client, so a paged list's error keeps its body (see error-bodies.ts).
      { policy: errorBodyPolicy(), position: "perRetry" as const },
      ...(options.onResponse ? [{ policy: auditPolicy(options.onResponse), position: "perRetry" as const }] : []),
      ...(options.gate ? [{ policy: gatePolicy(options.gate), position: "perRetry" as const }] : []),
    ],
  };
}

export function normaliseArmEndpoint(armEndpoint: string | undefined): string {
  return (armEndpoint ?? PUBLIC_ARM_ENDPOINT).replace(/\/+$/, "");
}

export function createSdkClients(options: SdkClientOptions): SdkClients {
  const armEndpoint = normaliseArmEndpoint(options.armEndpoint);
  const common = pipelineOptions(options);
  const { credential, subscriptionId } = options;

  const keyClients = new Map<string, KeyClient>();
  let timeline: Promise<TimelineClients> | undefined;
  let containerInstances: Promise<ContainerInstanceManagementClient> | undefined;
  const identityClients = new Map<string, ManagedServiceIdentityClient>();
  const vaultClients = new Map<string, KeyVaultManagementClient>();
  const vaults = new KeyVaultManagementClient(credential, subscriptionId, { ...common, endpoint: armEndpoint });
  return {
    subscriptionId,
    armEndpoint,
    ...(options.updateIntervalInMs === undefined ? {} : { updateIntervalInMs: options.updateIntervalInMs }),
    registries: new ContainerRegistryManagementClient(credential, subscriptionId, { ...common, endpoint: armEndpoint }),
    vaults,
    identities: new ManagedServiceIdentityClient(credential, subscriptionId, { ...common, endpoint: armEndpoint }),
    authorization: new AuthorizationManagementClient(credential, subscriptionId, { ...common, endpoint: armEndpoint }),
    timelineClients() {
      timeline ??= (async () => {
        const [{ MonitorClient }, { ResourceGraphClient }, { LogsQueryClient }] = await Promise.all([
          import("@azure/arm-monitor"),
          import("@azure/arm-resourcegraph"),
          import("@azure/monitor-query-logs"),
        ]);
        return {
          subscriptionId,
          monitor: new MonitorClient(credential, subscriptionId, { ...common, endpoint: armEndpoint }),
          resourceGraph: new ResourceGraphClient(credential, { ...common, endpoint: armEndpoint }),
          // Log Analytics' own endpoint (https://api.loganalytics.io/v1) in every client of the public cloud.
          logs: new LogsQueryClient(credential, common),
        };
      })();
      return timeline;
    },
    containerInstances() {
      containerInstances ??= import("@azure/arm-containerinstance").then(
        ({ ContainerInstanceManagementClient }) =>
          new ContainerInstanceManagementClient(credential, subscriptionId, { ...common, endpoint: armEndpoint }),
      );
      return containerInstances;
    },
    identitiesIn(otherSubscriptionId: string): ManagedServiceIdentityClient {
      const key = otherSubscriptionId.toLowerCase();
      let client = identityClients.get(key);
      if (!client) {
        client = new ManagedServiceIdentityClient(credential, otherSubscriptionId, {
          ...common,
          endpoint: armEndpoint,
        });
        identityClients.set(key, client);
      }
      return client;
    },
    vaultsIn(otherSubscriptionId: string): KeyVaultManagementClient {
      const key = otherSubscriptionId.toLowerCase();
      if (key === subscriptionId.toLowerCase()) return vaults;
      let client = vaultClients.get(key);
      if (!client) {
        client = new KeyVaultManagementClient(credential, otherSubscriptionId, { ...common, endpoint: armEndpoint });
        vaultClients.set(key, client);
      }
      return client;
    },
    keyClient(vaultUrl: string): KeyClient {
      const { vaultUrl: normalised } = parseVaultUrl(vaultUrl);
      let client = keyClients.get(normalised);
      if (!client) {
        client = new KeyClient(normalised, credential, common);
        keyClients.set(normalised, client);
      }
      return client;
    },
    registryDataPlane(loginServer: string): ContainerRegistryClient {
      const endpoint = loginServer.startsWith("https://") ? loginServer : `https://${loginServer}`;
      // The ARM audience works in every cloud; the registry exchanges the AAD token for its own refresh token.
      return new ContainerRegistryClient(endpoint, credential, { ...common, audience: armEndpoint });
    },
  };
}
