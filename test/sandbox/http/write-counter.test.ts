// counters.writes is what tests use to prove "nothing changed" (dry runs, refusals) and "no change repeated"
// (crash-resume): it must count every successful change on both planes, and nothing else.
import { describe, expect, it } from "vitest";
import { isWrite } from "../../../src/sandbox/handler.js";
import { sandboxClients } from "./clients.js";

describe("the sandbox's write counter", () => {
  it("counts Key Vault data-plane changes and not reads, backups or refused requests", async () => {
    const c = sandboxClients();
    const keys = c.keys(c.vaultName);
    const writes = () => c.store.read().counters.writes;
    const start = writes();
    await keys.getKey(c.keyName);
    await keys.backupKey(c.keyName);
    expect(writes()).toBe(start);
    const created = await keys.createRsaKey(c.keyName);
    expect(writes()).toBe(start + 1);
    await keys.updateKeyProperties(c.keyName, created.properties.version!, { enabled: true });
    expect(writes()).toBe(start + 2);
    await expect(keys.updateKeyProperties("no-such-key", "0".repeat(32), { enabled: true })).rejects.toThrow();
    expect(writes()).toBe(start + 2);
  });

  it("counts Resource Manager changes and not reads", async () => {
    const c = sandboxClients();
    const writes = () => c.store.read().counters.writes;
    const start = writes();
    const vault = await c.kv.vaults.get(c.rg, c.vaultName);
    expect(writes()).toBe(start);
    await c.kv.vaults.update(c.rg, c.vaultName, { properties: { enabledForDiskEncryption: false } });
    expect(writes()).toBe(start + 1);
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
