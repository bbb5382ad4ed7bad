// The same port against a running `sandbox serve` over HTTPS: real sockets, the server's self-signed CA, the real Azure
// URLs rewritten only by the transport (bearer auth, Key Vault's challenge, the registry's token exchange, pollers).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRemoteSandboxAzure } from "../../src/azure/remote-sandbox.js";
import { AzureFailure, type CmkAzure } from "../../src/azure/types.js";
import type { ResponseRecord } from "../../src/azure/cmk-azure.js";
import { breakWorld } from "../../src/sandbox/incidents.js";
import { createWorld, DEMO_RESOURCE_GROUP } from "../../src/sandbox/scenarios.js";
import { startSandboxServer, type SandboxServer } from "../../src/sandbox/server.js";
import { memoryStore, type WorldStore } from "../../src/sandbox/store.js";

const REGISTRY = { resourceGroup: DEMO_RESOURCE_GROUP, name: "acrcmkdemo" };
const VAULT = { resourceGroup: DEMO_RESOURCE_GROUP, name: "kv-acr-cmk-demo" };
const VAULT_URL = "https://kv-acr-cmk-demo.vault.azure.net/";
const KEY = "acr-cmk";

describe("CmkAzure over HTTPS against sandbox serve", () => {
  let server: SandboxServer;
  let store: WorldStore;
  let azure: CmkAzure;
  const records: ResponseRecord[] = [];

  beforeAll(async () => {
    store = memoryStore(createWorld({}));
    server = await startSandboxServer({ store });
    azure = createRemoteSandboxAzure({
      url: server.url,
      caCertPath: server.caCertPath,
      subscriptionId: store.read().subscriptionId,
      onResponse: (record) => records.push(record),
    });
  });

  afterAll(async () => {
    await server?.close();
  });

  it("reads the registry and lists repositories through its data plane", async () => {
    const registry = await azure.getRegistry(REGISTRY);
    expect(registry.encryption.status).toBe("enabled");
    expect(await azure.checkRegistryDataPlane(registry)).toMatchObject({ ok: true });
    // The audit log sees the real Azure URLs, not the sandbox's address.
    expect(records.some((r) => r.url.startsWith("https://management.azure.com/subscriptions/"))).toBe(true);
    expect(records.some((r) => r.url.startsWith("https://acrcmkdemo.azurecr.io/"))).toBe(true);
  });

  it("creates a key version after Key Vault's challenge, rotates the registry onto it (long-running PATCH)", async () => {
    const registry = await azure.getRegistry(REGISTRY);
    const fresh = await azure.createKeyVersion(VAULT_URL, KEY);
    expect(fresh.id).toMatch(new RegExp(`^${VAULT_URL}keys/${KEY}/[0-9a-f]{32}$`));
    const rotated = await azure.rotateRegistryKey(REGISTRY, {
      keyIdentifier: fresh.id,
      identity: registry.encryption.identity as string,
    });
    expect(rotated.encryption.versionedKeyIdentifier).toBe(fresh.id);
  });

  it("soft-deletes a key through the SDK's poller and observes key-not-found", async () => {
    await azure.createKeyVersion(VAULT_URL, "scratch-key");
    const deleted = await azure.deleteKey(VAULT_URL, "scratch-key");
    expect(deleted.recoveryId).toBe(`${VAULT_URL}deletedkeys/scratch-key`);
    const failure = await azure.getKey(VAULT_URL, "scratch-key").catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AzureFailure);
    expect((failure as AzureFailure).kind).toBe("key-not-found");
  });

  it("a deleted vault drops the connection on its data plane (network) and recovers through ARM", async () => {
    store.update((world, now) => breakWorld(world, "vault-deleted", now));
    const failure = await azure.getKey(VAULT_URL, KEY).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AzureFailure);
    expect((failure as AzureFailure).kind).toBe("network");
    const deleted = await azure.findDeletedVault(VAULT.name);
    expect(deleted).not.toBeNull();
    await azure.recoverDeletedVault({ ...VAULT, location: deleted?.location as string });
    expect((await azure.getKey(VAULT_URL, KEY)).name).toBe(KEY);
  });
});
