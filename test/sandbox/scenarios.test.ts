import { describe, expect, it } from "vitest";
import {
  createWorld,
  keyId,
  parseKeyId,
  registryKeyAccess,
  sandboxStatus,
  SCENARIO_NAMES,
  worldNow,
  ROLE,
} from "../../src/sandbox/index.js";
import { firstRegistry, registryKey } from "./world-fixtures.js";

describe("sandbox scenarios", () => {
  it.each(SCENARIO_NAMES)("scenario %s starts healthy: every registry can read and re-wrap its key", (scenario) => {
    const world = createWorld({ scenario });
    const now = worldNow(world);
    expect(Object.keys(world.registries).length).toBeGreaterThan(0);
    for (const registry of Object.values(world.registries)) {
      expect(registryKeyAccess(world, registry, now, "unwrap")).toEqual({ ok: true, reason: null });
      expect(registryKeyAccess(world, registry, now, "wrap")).toEqual({ ok: true, reason: null });
    }
    const status = sandboxStatus(world, now);
    expect(status.registries.every((r) => r.healthy && r.reason === null)).toBe(true);
  });

  it("uses the friendly demo names the README quotes", () => {
    const world = createWorld();
    const registry = firstRegistry(world);
    expect(registry.name).toBe("acrcmkdemo");
    expect(registry.resourceGroup).toBe("rg-acr-cmk-demo");
    expect(registry.sku).toBe("Premium");
    expect(registry.encryption.keyIdentifier).toBe(keyId("kv-acr-cmk-demo", "acr-cmk"));
    const { vault, version } = registryKey(world);
    expect(vault.enablePurgeProtection).toBe(true);
    expect(vault.enableSoftDelete).toBe(true);
    expect(vault.softDeleteRetentionInDays).toBe(90);
    expect(version).toMatchObject({ kty: "RSA", keySize: 2048, enabled: true });
    expect(version.version).toMatch(/^[0-9a-f]{32}$/);
    expect(vault.accessPolicies.some((p) => p.permissions.keys.join() === "get,wrapKey,unwrapKey")).toBe(true);
    expect(registry.repositories.length).toBeGreaterThan(0);
  });

  it("gives the operator Owner and Key Vault Administrator at subscription scope", () => {
    const world = createWorld();
    const roles = Object.values(world.roleAssignments)
      .filter((a) => a.principalId === world.operator.objectId && a.scope === `/subscriptions/${world.subscriptionId}`)
      .map((a) => a.roleDefinitionId.split("/").pop());
    expect(roles.sort()).toEqual([ROLE.keyVaultAdministrator, ROLE.owner].sort());
  });

  it("pins a key version with --key-version pinned and stays versionless otherwise", () => {
    const pinned = firstRegistry(createWorld({ keyVersion: "pinned" }));
    expect(parseKeyId(pinned.encryption.keyIdentifier ?? "")?.version).toMatch(/^[0-9a-f]{32}$/);
    expect(parseKeyId(firstRegistry(createWorld()).encryption.keyIdentifier ?? "")?.version).toBeUndefined();
  });

  it("grants the RBAC role at vault scope on an RBAC vault, with no access policies", () => {
    const world = createWorld({ access: "rbac" });
    const { vault } = registryKey(world);
    expect(vault.enableRbacAuthorization).toBe(true);
    expect(vault.accessPolicies).toEqual([]);
    const grants = Object.values(world.roleAssignments).filter((a) => a.scope === vault.id);
    expect(grants.map((a) => a.roleDefinitionId.split("/").pop())).toEqual([ROLE.cryptoServiceEncryptionUser]);
  });

  it("encrypts with the system identity in the system-identity scenario", () => {
    const registry = firstRegistry(createWorld({ scenario: "system-identity" }));
    expect(registry.encryption.identity).toBe("system");
    expect(registry.systemIdentity?.principalId).toBeTruthy();
  });

  it("turns purge protection off only in no-purge-protection, and the firewall on only in firewall", () => {
    expect(registryKey(createWorld({ scenario: "no-purge-protection" })).vault.enablePurgeProtection).toBe(false);
    const firewalled = registryKey(createWorld({ scenario: "firewall" })).vault;
    expect(firewalled.networkAcls).toMatchObject({ defaultAction: "Deny", bypass: "AzureServices" });
  });

  it("builds a fleet with -01…-n names, each with its own vault and identity", () => {
    const world = createWorld({ scenario: "fleet", registries: 4 });
    expect(Object.values(world.registries).map((r) => r.name)).toEqual([
      "acrcmkdemo01",
      "acrcmkdemo02",
      "acrcmkdemo03",
      "acrcmkdemo04",
    ]);
    expect(Object.keys(world.vaults)).toEqual([
      "kv-acr-cmk-demo-01",
      "kv-acr-cmk-demo-02",
      "kv-acr-cmk-demo-03",
      "kv-acr-cmk-demo-04",
    ]);
    expect(Object.keys(world.identities)).toHaveLength(4);
    expect(Object.keys(createWorld({ scenario: "fleet" }).registries)).toHaveLength(3);
  });

  it("refuses an impossible fleet size", () => {
    expect(() => createWorld({ registries: 0 })).toThrow(RangeError);
    expect(() => createWorld({ registries: 51 })).toThrow(/from 1 to 50 /);
  });
});
