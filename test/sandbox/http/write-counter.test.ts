// counters.writes is what tests use to prove "nothing changed" (dry runs, refusals) and "no change repeated"
// (crash-resume): it must count every change on both planes (a refusal that still changed something included), and
// nothing else. counters.purgeRequests must see every purge attempt, whatever the answer.
import { describe, expect, it } from "vitest";
import { createSandboxHandler, isWrite, type SandboxRequest } from "../../../src/sandbox/handler.js";
import type { World } from "../../../src/sandbox/world.js";
import { POLL, sandboxClients } from "./clients.js";

/** A fresh default sandbox, its vault's KeyClient, and how many writes it has counted since. */
function counting() {
  const c = sandboxClients();
  const start = c.store.read().counters.writes;
  return { c, keys: c.keys(c.vaultName), writes: () => c.store.read().counters.writes - start };
}

describe("the sandbox's write counter", () => {
  it("counts Key Vault data-plane changes and not reads, backups or refused requests", async () => {
    const { c, keys, writes } = counting();
    await keys.getKey(c.keyName);
    await keys.backupKey(c.keyName);
    expect(writes()).toBe(0);
    const created = await keys.createRsaKey(c.keyName);
    expect(writes()).toBe(1);
    await keys.updateKeyProperties(c.keyName, created.properties.version!, { enabled: true });
    expect(writes()).toBe(2);
    await expect(keys.updateKeyProperties("no-such-key", "0".repeat(32), { enabled: true })).rejects.toThrow();
    expect(writes()).toBe(2);
  });

  it("counts each key change a runbook can make: rotate, delete, recover and restore, not the pollers' reads", async () => {
    const { c, keys, writes } = counting();
    await keys.rotateKey(c.keyName);
    expect(writes()).toBe(1);
    const backup = await keys.backupKey(c.keyName);
    await (await keys.beginDeleteKey(c.keyName, POLL)).pollUntilDone();
    expect(writes()).toBe(2);
    await (await keys.beginRecoverDeletedKey(c.keyName, POLL)).pollUntilDone();
    expect(writes()).toBe(3);
    // Restore needs a free name: the key leaves the world behind Key Vault's back (a test's edit, not a request).
    c.store.update((world) => void delete world.vaults[c.vaultName.toLowerCase()]!.keys[c.keyName.toLowerCase()]);
    await keys.restoreKeyBackup(backup!);
    expect(writes()).toBe(4);
  });

  it("counts a refusal that still changed the registry (ACR's refused removal of its CMK identity), no other", async () => {
    const { c, writes } = counting();
    const identity = Object.values(c.world.identities)[0]!;
    const removeIdentity = { type: "UserAssigned" as const, userAssignedIdentities: { [identity.id]: null } as never };
    await expect(
      c.acr.registries.update(c.rg, c.registryName, { identity: removeIdentity }, POLL),
    ).rejects.toMatchObject({ statusCode: 400 });
    expect(writes()).toBe(1);
    await expect(
      c.acr.registries.update(c.rg, c.registryName, { encryption: { status: "disabled" } }, POLL),
    ).rejects.toMatchObject({ statusCode: 400 });
    expect(writes()).toBe(1);
  });

  it("counts Resource Manager changes and not reads", async () => {
    const { c, writes } = counting();
    const vault = await c.kv.vaults.get(c.rg, c.vaultName);
    expect(writes()).toBe(0);
    await c.kv.vaults.update(c.rg, c.vaultName, { properties: { enabledForDiskEncryption: false } });
    expect(writes()).toBe(1);
    expect(vault.name).toBe(c.vaultName);
  });

  it.each([
    ["keyvault", "POST", "/keys/k/backup", false],
    ["keyvault", "POST", "/keys/k/create", true],
    ["keyvault", "POST", "/deletedkeys/k/recover", true],
    ["keyvault", "GET", "/keys/k", false],
    ["acr", "POST", "/oauth2/token", false],
    [
      "arm",
      "POST",
      "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/r/listCredentials",
      false,
    ],
    ["arm", "PATCH", "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/r", true],
  ] as const)("%s %s %s is a write: %s", (service, method, path, expected) => {
    expect(isWrite(service, method, path)).toBe(expected);
  });
});

describe("the sandbox's purge counter", () => {
  const vaultHost = (w: World) => `https://${Object.values(w.vaults)[0]!.name}.vault.azure.net`;
  const keyVaultPurge = (url: string, token = true): SandboxRequest => ({
    method: "DELETE",
    url: `${url}?api-version=7.5`,
    headers: token ? { authorization: "Bearer x" } : {},
  });
  const armPurge = (w: World, kind: string): SandboxRequest => ({
    method: "POST",
    url: `https://management.azure.com/subscriptions/${w.subscriptionId}/providers/Microsoft.KeyVault/locations/westeurope/${kind}/nope/purge?api-version=2025-05-01`,
    headers: { authorization: "Bearer x" },
  });

  it.each<[string, (w: World) => SandboxRequest, ((w: World) => void)?]>([
    ["a key purge of a key that is not deleted", (w) => keyVaultPurge(`${vaultHost(w)}/deletedkeys/nope`)],
    [
      "a key purge without a token (answered with the challenge)",
      (w) => keyVaultPurge(`${vaultHost(w)}/deletedkeys/nope`, false),
    ],
    [
      "a key purge on the sandbox server's own host",
      (w) => keyVaultPurge(`https://127.0.0.1:8443/vault/${Object.values(w.vaults)[0]!.name}/deletedkeys/nope`),
    ],
    ["a purge of a deleted secret (not modelled)", (w) => keyVaultPurge(`${vaultHost(w)}/deletedsecrets/nope`)],
    ["a vault purge of a vault that is not deleted", (w) => armPurge(w, "deletedVaults")],
    ["a managed HSM purge (not modelled)", (w) => armPurge(w, "deletedManagedHSMs")],
    [
      "a key purge answered by an injected fault",
      (w) => keyVaultPurge(`${vaultHost(w)}/deletedkeys/nope`),
      (w) => void (w.settings.faults = [{ match: "deletedkeys", status: 503 }]),
    ],
  ])("%s is counted as a purge attempt and changes nothing", async (_what, request, setup) => {
    const c = sandboxClients({ mutate: setup });
    const handler = createSandboxHandler({ store: c.store });
    const before = c.store.read().counters;
    const answer = await handler.handle(request(c.world));
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(c.store.read().counters).toMatchObject({
      purgeRequests: before.purgeRequests + 1,
      writes: before.writes,
    });
  });

  it("a purge that succeeds is a purge attempt and a write", async () => {
    const c = sandboxClients({
      scenario: "no-purge-protection",
      mutate: (w) => Object.values(w.vaults)[0]!.accessPolicies[0]!.permissions.keys.push("purge"),
    });
    await (await c.keys(c.vaultName).beginDeleteKey(c.keyName, POLL)).pollUntilDone();
    const before = c.store.read().counters;
    const handler = createSandboxHandler({ store: c.store });
    const answer = await handler.handle(keyVaultPurge(`${vaultHost(c.world)}/deletedkeys/${c.keyName}`));
    expect(answer.status).toBe(204);
    expect(c.store.read().counters).toMatchObject({
      purgeRequests: before.purgeRequests + 1,
      writes: before.writes + 1,
    });
  });
});
