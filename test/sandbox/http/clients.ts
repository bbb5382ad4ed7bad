// The real SDK clients, wired to the sandbox through the in-process transport (or pointed at a running server).
import type { TokenCredential } from "@azure/identity";
import type { HttpClient, PipelineOptions } from "@azure/core-rest-pipeline";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { ContainerRegistryManagementClient } from "@azure/arm-containerregistry";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { SubscriptionClient } from "@azure/arm-resources-subscriptions";
import { ContainerRegistryClient, KnownContainerRegistryAudience } from "@azure/container-registry";
import { KeyClient } from "@azure/keyvault-keys";
import { createSandboxHttpClient } from "../../../src/azure/sandbox-transport.js";
import { createSandboxHandler } from "../../../src/sandbox/handler.js";
import { memoryStore, type WorldStore } from "../../../src/sandbox/store.js";
import { createWorld, type ScenarioOptions } from "../../../src/sandbox/scenarios.js";
import type { World } from "../../../src/sandbox/world.js";

/** Any bearer token is accepted by the sandbox; counts how often the SDK asked for one. */
export function dummyCredential(): TokenCredential & { scopes: string[] } {
  const scopes: string[] = [];
  return {
    scopes,
    async getToken(scope) {
      scopes.push(...(Array.isArray(scope) ? scope : [scope]));
      return { token: "sandbox-dummy-token", expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}

export interface Clients {
  world: World;
  store: WorldStore;
  httpClient: HttpClient;
  credential: ReturnType<typeof dummyCredential>;
  acr: ContainerRegistryManagementClient;
  kv: KeyVaultManagementClient;
  msi: ManagedServiceIdentityClient;
  auth: AuthorizationManagementClient;
  subscriptions: SubscriptionClient;
  keys(vaultName: string, options?: PipelineOptions): KeyClient;
  registryData(registryName: string): ContainerRegistryClient;
  /** Names in the default scenario world. */
  rg: string;
  registryName: string;
  vaultName: string;
  keyName: string;
  identityName: string;
}

/** No waiting between retries: faults are still retried, just quickly. */
const FAST_RETRIES = { retryDelayInMs: 1, maxRetryDelayInMs: 5 };

export function sandboxClients(options: ScenarioOptions & { mutate?: (world: World) => void } = {}): Clients {
  const world = createWorld(options);
  options.mutate?.(world);
  const store = memoryStore(world);
  const httpClient = createSandboxHttpClient(createSandboxHandler({ store }));
  const credential = dummyCredential();
  const sub = world.subscriptionId;
  const common = { httpClient, retryOptions: FAST_RETRIES };
  const registry = Object.values(world.registries)[0];
  const vault = Object.values(world.vaults)[0];
  const identity = Object.values(world.identities)[0];
  if (!registry || !vault || !identity) throw new Error("scenario world has no registry");
  return {
    world,
    store,
    httpClient,
    credential,
    acr: new ContainerRegistryManagementClient(credential, sub, common),
    kv: new KeyVaultManagementClient(credential, sub, common),
    msi: new ManagedServiceIdentityClient(credential, sub, common),
    auth: new AuthorizationManagementClient(credential, sub, common),
    subscriptions: new SubscriptionClient(credential, common),
    keys: (vaultName, extra = {}) =>
      new KeyClient(`https://${vaultName}.vault.azure.net`, credential, {
        ...common,
        disableChallengeResourceVerification: false,
        ...extra,
      }),
    registryData: (registryName) =>
      new ContainerRegistryClient(`https://${registryName}.azurecr.io`, credential, {
        ...common,
        audience: KnownContainerRegistryAudience.AzureResourceManagerPublicCloud,
      }),
    rg: registry.resourceGroup,
    registryName: registry.name,
    vaultName: vault.name,
    keyName: Object.values(vault.keys)[0]?.name ?? "acr-cmk",
    identityName: identity.name,
  };
}

/** ARM pollers take `updateIntervalInMs`, Key Vault's take `intervalInMs`: both zero in tests. */
export const POLL = { updateIntervalInMs: 0, intervalInMs: 0 };

export async function listAll<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}
