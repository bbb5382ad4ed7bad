import { describe, expect, it } from "vitest";
import {
  breakWorld,
  createWorld,
  IncidentError,
  INCIDENT_NAMES,
  identityId,
  IDENTITY_INACTIVE_MESSAGE,
  registryKeyAccess,
  roleAssignmentId,
  roleDefinitionId,
  ROLE,
  sandboxStatus,
  type ScenarioOptions,
  type World,
} from "../../src/sandbox/index.js";
import { firstRegistry, registryKey } from "./world-fixtures.js";

const NOW = new Date("2026-03-01T08:00:00.000Z");

function broken(incident: string, options: ScenarioOptions = {}): World {
  const world = createWorld({ ...options, now: NOW });
  breakWorld(world, incident, NOW);
  return world;
}

function status(world: World) {
  const registry = sandboxStatus(world, NOW).registries[0];
  if (!registry) throw new Error("no registry");
  return registry;
}

function expectHealthy(world: World) {
  expect(status(world)).toMatchObject({ healthy: true, reason: null });
}

describe("sandbox incidents: break, observe, fix", () => {
  it("key-deleted: soft-deletes the key; recovering it heals the registry", () => {
    const world = broken("key-deleted");
    const { key } = registryKey(world);
    expect(key.deleted?.deletedDate).toBe(NOW.toISOString());
    expect(key.deleted?.scheduledPurgeDate).toBe("2026-05-30T08:00:00.000Z");
    expect(status(world)).toMatchObject({
      healthy: false,
      reason: expect.stringMatching(/key 'acr-cmk' in vault 'kv-acr-cmk-demo' is soft-deleted/),
    });
    const access = registryKeyAccess(world, firstRegistry(world), NOW, "unwrap");
    expect(access.failure).toMatchObject({
      status: 403,
      message: expect.stringContaining("registry content is not readable"),
    });
    delete key.deleted;
    expectHealthy(world);
  });

  it("vault-deleted (access policy): recovering the vault brings its policies back", () => {
    const world = broken("vault-deleted");
    const { vault } = registryKey(world);
    expect(status(world).reason).toMatch(/vault 'kv-acr-cmk-demo' is soft-deleted/);
    expect(sandboxStatus(world, NOW).vaults[0]).toMatchObject({ name: "kv-acr-cmk-demo", deleted: true });
    delete vault.deleted;
    expectHealthy(world);
  });

  it("vault-deleted (RBAC): role assignments scoped to the vault are gone and must be recreated", () => {
    const world = broken("vault-deleted", { access: "rbac" });
    const { vault } = registryKey(world);
    expect(Object.values(world.roleAssignments).some((a) => a.scope === vault.id)).toBe(false);
    delete vault.deleted;
    expect(status(world)).toMatchObject({
      healthy: false,
      reason: expect.stringMatching(/no Key Vault Crypto Service Encryption User role/),
    });
    const registry = firstRegistry(world);
    const principalId = Object.values(world.identities)[0]?.principalId ?? "";
    const id = roleAssignmentId(vault.id, "00000000-0000-0000-0000-000000000001");
    world.roleAssignments[id.toLowerCase()] = {
      id,
      name: "00000000-0000-0000-0000-000000000001",
      scope: vault.id,
      roleDefinitionId: roleDefinitionId(world.subscriptionId, ROLE.cryptoServiceEncryptionUser),
      principalId,
      principalType: "ServicePrincipal",
      createdAt: NOW.toISOString(),
    };
    expect(registry.name).toBe("acrcmkdemo");
    expectHealthy(world);
  });

  it("key-purged: the key is gone for good; only a restore from backup heals", () => {
    const world = createWorld({ now: NOW });
    const backup = structuredClone(registryKey(world).key);
    breakWorld(world, "key-purged", NOW);
    expect(status(world)).toMatchObject({
      healthy: false,
      reason: "key 'acr-cmk' in vault 'kv-acr-cmk-demo' was purged",
    });
    registryKey(world).vault.keys["acr-cmk"] = backup;
    expectHealthy(world);
  });

  it("vault-purged: the vault and its keys are gone for good", () => {
    const world = broken("vault-purged");
    expect(status(world)).toMatchObject({
      healthy: false,
      reason: expect.stringMatching(/vault 'kv-acr-cmk-demo' was purged/),
    });
    expect(sandboxStatus(world, NOW).vaults).toEqual([]);
  });

  it("identity-removed: rotation fails at once with the documented text, data keeps working through the grace period", () => {
    const world = broken("identity-removed");
    const registry = firstRegistry(world);
    expect(registry.userAssignedIdentities).toEqual([]);
    expect(registry.identityDetached?.expiresAt).toBe("2026-05-30T08:00:00.000Z");
    expect(status(world)).toMatchObject({
      healthy: true,
      reason: expect.stringMatching(/was removed from registry 'acrcmkdemo'/),
    });
    const wrap = registryKeyAccess(world, registry, NOW, "wrap");
    expect(wrap.failure?.message).toBe(
      `Azure resource '${registry.id}' does not have access to identity '${registry.encryption.identity}' Try forcibly adding the identity to the registry acrcmkdemo. For more information on bring your own key, please visit 'https://aka.ms/acr/cmk'.`,
    );
    const later = new Date(NOW.getTime() + 90 * 86_400_000);
    const read = registryKeyAccess(world, registry, later, "unwrap");
    expect(read).toMatchObject({ ok: false, failure: { status: 403, message: IDENTITY_INACTIVE_MESSAGE } });
    // The fix: assign the identity again (the wire clears the detachment on re-assignment).
    registry.userAssignedIdentities.push(
      identityId(world.subscriptionId, "rg-acr-cmk-demo", "id-acr-cmk").toLowerCase(),
    );
    delete registry.identityDetached;
    expect(registryKeyAccess(world, registry, later, "unwrap").ok).toBe(true);
    expect(registryKeyAccess(world, registry, later, "wrap").ok).toBe(true);
  });

  it("system-identity-removed: needs the system-identity scenario, else says which to init", () => {
    const world = createWorld({ now: NOW });
    const before = structuredClone(world);
    expect(() => breakWorld(world, "system-identity-removed", NOW)).toThrow(IncidentError);
    expect(() => breakWorld(world, "system-identity-removed", NOW)).toThrow(/sandbox init --scenario system-identity/);
    expect(world).toEqual(before);
  });

  it("system-identity-removed: fixed by rotating to a user-assigned identity that has access", () => {
    const world = broken("system-identity-removed", { scenario: "system-identity" });
    const registry = firstRegistry(world);
    expect(registry.systemIdentity).toBeUndefined();
    expect(status(world)).toMatchObject({
      healthy: true,
      reason: expect.stringMatching(/^the system-assigned identity was removed from registry 'acrcmkdemo'/),
    });
    expect(registryKeyAccess(world, registry, NOW, "wrap").failure?.message).toMatch(
      /does not have access to identity/,
    );
    const later = new Date(NOW.getTime() + 91 * 86_400_000);
    expect(registryKeyAccess(world, registry, later, "unwrap").failure?.message).toBe(IDENTITY_INACTIVE_MESSAGE);
    const uai = Object.values(world.identities)[0];
    if (!uai) throw new Error("no identity");
    const { vault } = registryKey(world);
    vault.accessPolicies.push({
      tenantId: world.tenantId,
      objectId: uai.principalId,
      permissions: { keys: ["get", "wrapKey", "unwrapKey"], secrets: [], certificates: [] },
    });
    registry.encryption.identity = uai.clientId;
    delete registry.identityDetached;
    expect(registryKeyAccess(world, registry, later, "unwrap").ok).toBe(true);
  });

  it("firewall-403: blocks the registry; allowing trusted services is not enough until the key is reconfigured", () => {
    const world = broken("firewall-403");
    const { vault } = registryKey(world);
    expect(vault.networkAcls).toMatchObject({ defaultAction: "Deny", bypass: "None" });
    expect(firstRegistry(world).firewallStale).toBe(true);
    expect(status(world)).toMatchObject({
      healthy: false,
      reason:
        "vault 'kv-acr-cmk-demo' firewall denies the registry (default action Deny, trusted Azure services not allowed)",
    });
    vault.networkAcls.bypass = "AzureServices";
    expect(status(world)).toMatchObject({
      healthy: false,
      reason: expect.stringMatching(/firewall was switched on after encryption: .*until its key is reconfigured/),
    });
    delete firstRegistry(world).firewallStale; // what a successful rotate-key does
    expectHealthy(world);
  });

  it("firewall: public network access disabled without trusted services keeps the registry out", () => {
    const world = createWorld({ now: NOW });
    const { vault } = registryKey(world);
    vault.publicNetworkAccess = "Disabled";
    vault.networkAcls.bypass = "None";
    expect(status(world)).toMatchObject({
      healthy: false,
      reason: expect.stringMatching(/public network access disabled/),
    });
    vault.networkAcls.bypass = "AzureServices";
    expectHealthy(world);
  });

  it.each(["policy", "rbac"] as const)("access-revoked (%s): re-granting access heals", (access) => {
    const world = createWorld({ access, now: NOW });
    const saved = structuredClone(world);
    breakWorld(world, "access-revoked", NOW);
    expect(status(world)).toMatchObject({
      healthy: false,
      reason: expect.stringMatching(
        access === "rbac"
          ? /no Key Vault Crypto Service Encryption User role/
          : /no access policy granting get, unwrapKey/,
      ),
    });
    world.roleAssignments = saved.roleAssignments;
    world.vaults = saved.vaults;
    expectHealthy(world);
  });

  it("key-disabled: the version in use is disabled; enabling it heals", () => {
    const world = broken("key-disabled");
    const { version } = registryKey(world);
    expect(status(world)).toMatchObject({ healthy: false, reason: expect.stringMatching(/is disabled$/) });
    version.enabled = true;
    expectHealthy(world);
  });

  it("key-expired: data stays readable but wrap (rotation) fails until the expiry moves", () => {
    const world = broken("key-expired");
    const { version } = registryKey(world);
    expect(Date.parse(version.exp ?? "")).toBeLessThan(NOW.getTime());
    expect(status(world)).toMatchObject({ healthy: true, reason: expect.stringMatching(/expired on .*rotation fail/) });
    expect(registryKeyAccess(world, firstRegistry(world), NOW, "wrap").failure?.message).toMatch(
      /^Failed to access KeyId/,
    );
    version.exp = new Date(NOW.getTime() + 365 * 86_400_000).toISOString();
    expectHealthy(world);
  });

  it("every incident leaves the registry unable to do something", () => {
    for (const incident of INCIDENT_NAMES) {
      const world = broken(incident, incident === "system-identity-removed" ? { scenario: "system-identity" } : {});
      const registry = firstRegistry(world);
      expect(registryKeyAccess(world, registry, NOW, "wrap").ok, incident).toBe(false);
    }
  });

  it("refuses an unknown incident or registry, listing the valid ones, and changes nothing", () => {
    const world = createWorld({ now: NOW });
    const before = structuredClone(world);
    expect(() => breakWorld(world, "key-stolen", NOW)).toThrow(
      /unknown incident 'key-stolen'; valid incidents: key-deleted, vault-deleted/,
    );
    expect(() => breakWorld(world, "key-deleted", NOW, "nope")).toThrow(
      /no registry 'nope' in the sandbox; registries: acrcmkdemo/,
    );
    expect(world).toEqual(before);
    breakWorld(world, "key-deleted", NOW);
    const deleted = structuredClone(world);
    expect(() => breakWorld(world, "key-deleted", NOW)).toThrow(/already soft-deleted/);
    expect(world).toEqual(deleted);
  });

  it("breaks only the registry named with -r in a fleet", () => {
    const world = createWorld({ scenario: "fleet", now: NOW });
    breakWorld(world, "key-disabled", NOW, "ACRCMKDEMO02");
    expect(sandboxStatus(world, NOW).registries.map((r) => r.healthy)).toEqual([true, false, true]);
  });
});
