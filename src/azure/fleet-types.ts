// The fleet port: every CMK resource the signed-in identity can read, from one paged Resource Graph query, and a
// CmkAzure per subscription for the checks that follow. Plain types only, like ./types.ts.
import type { ResponseRecord } from "./port/audit-policy.js";
import type { RequestGate } from "./port/gate-policy.js";
import type { AzurePlace, CallOptions, CmkAzure, ContainerGroupInfo, RegistryInfo, SubscriptionInfo } from "./types.js";

export type { ContainerGroupInfo };

export interface FleetRegistry extends RegistryInfo {
  subscriptionId: string;
}

export interface FleetVault {
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
}

export interface FleetInventory {
  registries: FleetRegistry[];
  containerGroups: ContainerGroupInfo[];
  vaults: FleetVault[];
  /** Resource Graph pages read. */
  pages: number;
}

export interface FleetAzureOptions {
  /** Every HTTP response of every client (retries included): what the scan paces its concurrency on. */
  onResponse?: (record: ResponseRecord) => void;
  /** Bounds the requests in flight across every client (adaptive concurrency). */
  gate?: RequestGate;
}

export type { RequestGate };

export interface FleetAzure {
  readonly place: AzurePlace;
  /** The subscriptions the identity can see (GET /subscriptions). */
  listSubscriptions(options?: CallOptions): Promise<SubscriptionInfo[]>;
  /** The subscription a command names when it names none (AZURE_SUBSCRIPTION_ID, the sandbox's first); may be absent. */
  readonly defaultSubscription?: string;
  /** Registries with CMK, container groups with encryptionProperties and key vaults: one paged Resource Graph query. */
  inventory(subscriptions: string[], options?: CallOptions): Promise<FleetInventory>;
  /** One container group by resource id (Resource Graph); null when it is not there or not readable. */
  getContainerGroup(id: string, options?: CallOptions): Promise<ContainerGroupInfo | null>;
  /** The port for one subscription, sharing the fleet's credential and transport. */
  portFor(subscriptionId: string): CmkAzure;
}
