// The sandbox over HTTPS: the real SDK clients pointed at `startSandboxServer`, trusting its self-signed certificate
// through core-rest-pipeline's `tlsOptions: { ca }` (the node client builds an https.Agent with that CA).
import { readFileSync } from "node:fs";
import { ContainerRegistryManagementClient } from "@azure/arm-containerregistry";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { SubscriptionClient } from "@azure/arm-resources-subscriptions";
import { ContainerRegistryClient, KnownContainerRegistryAudience } from "@azure/container-registry";
import { RestError } from "@azure/core-rest-pipeline";
import { KeyClient } from "@azure/keyvault-keys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandboxServer, type SandboxServer } from "../../../src/sandbox/server.js";
import { memoryStore, type WorldStore } from "../../../src/sandbox/store.js";
import { createWorld } from "../../../src/sandbox/scenarios.js";
import { dummyCredential, listAll, POLL } from "./clients.js";

describe("sandbox over HTTPS (startSandboxServer)", () => {
  let server: SandboxServer;
  let store: WorldStore;
  let ca: string;
  const credential = dummyCredential();

  beforeAll(async () => {
    store = memoryStore(createWorld());
    server = await startSandboxServer({ store, port: 0 });
    ca = readFileSync(server.caCertPath, "utf8");
  });
  afterAll(async () => {
    await server?.close();
  });

  const options = () => ({ tlsOptions: { ca }, retryOptions: { maxRetries: 0 } });
  const names = () => {
    const world = store.read();
    const registry = Object.values(world.registries)[0]!;
    const vault = Object.values(world.vaults)[0]!;
    return { world, registry, vault, key: Object.values(vault.keys)[0]!.name };
  };

  it("listens on 127.0.0.1 and writes its certificate as PEM", () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(ca).toContain("-----BEGIN CERTIFICATE-----");
  });

  it("serves ARM and a PATCH long-running operation whose poll URL is on the server's host", async () => {
    const { world, registry } = names();
    const acr = new ContainerRegistryManagementClient(credential, world.subscriptionId, {
      endpoint: server.url,
      ...options(),
    });
    const got = await acr.registries.get(registry.resourceGroup, registry.name);
    expect(got.encryption?.keyVaultProperties?.keyIdentifier).toBe(registry.encryption.keyIdentifier);
    const identity = Object.values(world.identities)[0]!;
    const updated = await acr.registries.update(
      registry.resourceGroup,
      registry.name,
      { identity: { type: "SystemAssigned, UserAssigned", userAssignedIdentities: { [identity.id]: {} } } },
      POLL,
    );
    expect(updated.identity?.type).toBe("SystemAssigned, UserAssigned");
  });

  it("lists subscriptions at /subscriptions, the bare ARM path on its own host", async () => {
    const { world } = names();
    const client = new SubscriptionClient(credential, { endpoint: server.url, ...options() });
    const all = await listAll(client.subscriptions.list());
    expect(all.map((s) => [s.subscriptionId, s.tenantId, s.state])).toEqual([
      [world.subscriptionId, world.tenantId, "Enabled"],
    ]);
  });

  it("serves Key Vault under /vault/<name>, with the challenge and real-form kids", async () => {
    const { vault, key } = names();
    const keys = new KeyClient(`${server.url}/vault/${vault.name}`, credential, {
      disableChallengeResourceVerification: true,
      ...options(),
    });
    const got = await keys.getKey(key);
    expect(got.id).toMatch(new RegExp(`^https://${vault.name}.vault.azure.net/keys/${key}/[0-9a-f]{32}$`));
    await keys.createRsaKey(key);
    const versions = await listAll(keys.listPropertiesOfKeyVersions(key).byPage({ maxPageSize: 1 }));
    expect(versions).toHaveLength(2); // the second page came from a nextLink on the server's host
  });

  it("serves the registry data plane under /registry/<name>", async () => {
    const { registry } = names();
    const client = new ContainerRegistryClient(`${server.url}/registry/${registry.name}`, credential, {
      audience: KnownContainerRegistryAudience.AzureResourceManagerPublicCloud,
      ...options(),
    });
    expect(await listAll(client.listRepositoryNames())).toEqual(registry.repositories.slice().sort());
  });

  it("a deleted vault's data plane drops the connection without an HTTP answer", async () => {
    const { world, vault, key } = names();
    const kv = new KeyVaultManagementClient(credential, world.subscriptionId, { endpoint: server.url, ...options() });
    await kv.vaults.delete(vault.resourceGroup, vault.name);
    const keys = new KeyClient(`${server.url}/vault/${vault.name}`, credential, {
      disableChallengeResourceVerification: true,
      ...options(),
    });
    const error = await keys.getKey(key).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RestError);
    expect((error as RestError).statusCode).toBeUndefined();
  });

  it("refuses a client that does not trust its certificate", async () => {
    const { world } = names();
    const acr = new ContainerRegistryManagementClient(credential, world.subscriptionId, {
      endpoint: server.url,
      retryOptions: { maxRetries: 0 },
    });
    await expect(acr.registries.get("rg", "x")).rejects.toMatchObject({
      message: expect.stringMatching(/certificate/i),
    });
  });
});
