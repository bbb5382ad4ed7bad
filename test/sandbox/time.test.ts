import { describe, expect, it } from "vitest";
import {
  advanceClock,
  breakWorld,
  createWorld,
  formatDuration,
  hasKeyPermissions,
  keyId,
  memoryStore,
  newRsaKeyVersion,
  parseDuration,
  registryKeyAccess,
  roleAssignmentId,
  roleDefinitionId,
  ROLE,
  sandboxStatus,
  worldNow,
  type World,
} from "../../src/sandbox/index.js";
import { firstRegistry, registryKey } from "./world-fixtures.js";

const REAL = new Date("2026-03-01T08:00:00.000Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function fresh(options: Parameters<typeof createWorld>[0] = {}): World {
  return createWorld({ ...options, now: REAL });
}

function healthy(world: World): boolean {
  return registryKeyAccess(world, firstRegistry(world), worldNow(world, REAL), "unwrap").ok;
}

describe("the sandbox clock", () => {
  it("moves forward by the offset", () => {
    const world = fresh();
    advanceClock(world, 2 * HOUR, REAL);
    expect(worldNow(world, REAL).toISOString()).toBe("2026-03-01T10:00:00.000Z");
    expect(() => advanceClock(world, -1, REAL)).toThrow(RangeError);
  });

  it("an expired key still reads after 90 days", () => {
    const world = fresh();
    breakWorld(world, "key-expired", REAL);
    advanceClock(world, 90 * DAY, REAL);
    expect(healthy(world)).toBe(true);
  });

  it("a removed identity keeps the registry readable until the grace period ends", () => {
    const world = fresh();
    breakWorld(world, "identity-removed", REAL);
    advanceClock(world, 89 * DAY, REAL);
    expect(healthy(world)).toBe(true);
    advanceClock(world, DAY, REAL);
    expect(healthy(world)).toBe(false);
    expect(sandboxStatus(world, worldNow(world, REAL)).registries[0]?.reason).toMatch(/credential lapsed/);
  });

  it("soft-deleted keys and vaults are purged by the service after their retention", () => {
    const world = fresh();
    breakWorld(world, "key-deleted", REAL);
    advanceClock(world, 89 * DAY, REAL);
    expect(registryKey(world).key.purged).toBeUndefined();
    advanceClock(world, DAY, REAL);
    expect(registryKey(world).key.purged).toBe(true);

    const other = fresh();
    breakWorld(other, "vault-deleted", REAL);
    advanceClock(other, 90 * DAY, REAL);
    expect(Object.values(other.vaults)[0]?.purged).toBe(true);
  });
});

describe("automatic rotation", () => {
  function withNewVersion(world: World, createdAt: Date) {
    const { key } = registryKey(world);
    const version = newRsaKeyVersion(createdAt);
    key.versions.push(version);
    return version;
  }

  it("picks up the newest enabled version an hour after it was created", () => {
    const world = fresh();
    const registry = firstRegistry(world);
    const version = withNewVersion(world, REAL);
    advanceClock(world, 30 * 60_000, REAL);
    expect(registry.encryption.versionedKeyIdentifier).not.toContain(version.version);
    advanceClock(world, 30 * 60_000, REAL);
    expect(registry.encryption.versionedKeyIdentifier).toBe(keyId("kv-acr-cmk-demo", "acr-cmk", version.version));
    expect(registry.encryption.lastKeyRotationTimestamp).toBe("2026-03-01T09:00:00.000Z");
  });

  it("never moves a pinned registry", () => {
    const world = fresh({ keyVersion: "pinned" });
    const before = firstRegistry(world).encryption.versionedKeyIdentifier;
    withNewVersion(world, REAL);
    advanceClock(world, 2 * HOUR, REAL);
    expect(firstRegistry(world).encryption.versionedKeyIdentifier).toBe(before);
  });

  it("does not rotate while the registry cannot wrap (stale firewall, removed identity)", () => {
    for (const incident of ["firewall-403", "identity-removed"]) {
      const world = fresh();
      const before = firstRegistry(world).encryption.versionedKeyIdentifier;
      breakWorld(world, incident, REAL);
      withNewVersion(world, REAL);
      advanceClock(world, 2 * HOUR, REAL);
      expect(firstRegistry(world).encryption.versionedKeyIdentifier, incident).toBe(before);
    }
  });

  it("a new enabled version heals a registry whose version in use was disabled", () => {
    const world = fresh();
    breakWorld(world, "key-disabled", REAL);
    expect(healthy(world)).toBe(false);
    withNewVersion(world, REAL);
    advanceClock(world, HOUR, REAL);
    expect(healthy(world)).toBe(true);
  });

  it("happens on any store update once time has passed (rotationPickupMs 0)", () => {
    const world = fresh();
    world.settings.rotationPickupMs = 0;
    const version = withNewVersion(world, new Date(Date.now() - 1000));
    const store = memoryStore(world);
    store.update(() => undefined);
    expect(firstRegistry(store.read()).encryption.versionedKeyIdentifier).toContain(version.version);
  });
});

describe("key permissions", () => {
  it("honours 'all' in an access policy and ignores policies on an RBAC vault", () => {
    const world = fresh();
    const { vault } = registryKey(world);
    vault.accessPolicies.push({
      tenantId: world.tenantId,
      objectId: "p-1",
      permissions: { keys: ["all"], secrets: [], certificates: [] },
    });
    expect(hasKeyPermissions(world, vault, "p-1", ["get", "wrapKey"]).ok).toBe(true);
    expect(hasKeyPermissions(world, vault, "p-2", ["get", "wrapKey"])).toEqual({
      ok: false,
      missing: ["get", "wrapKey"],
    });
    vault.enableRbacAuthorization = true;
    expect(hasKeyPermissions(world, vault, "p-1", ["get"]).ok).toBe(false);
  });

  it("accepts RBAC roles at vault, resource group or subscription scope, and at the key's own scope", () => {
    const world = fresh({ access: "rbac" });
    const { vault } = registryKey(world);
    const grant = (scope: string, role: string, principalId: string) => {
      const id = roleAssignmentId(scope, `${principalId}-${role}`);
      world.roleAssignments[id.toLowerCase()] = {
        id,
        name: principalId,
        scope,
        roleDefinitionId: roleDefinitionId(world.subscriptionId, role),
        principalId,
        principalType: "ServicePrincipal",
        createdAt: REAL.toISOString(),
      };
    };
    grant(`/subscriptions/${world.subscriptionId}/resourceGroups/rg-acr-cmk-demo`, ROLE.cryptoOfficer, "officer");
    grant(`${vault.id}/keys/acr-cmk`, ROLE.cryptoServiceEncryptionUser, "key-scoped");
    grant(vault.id, ROLE.owner, "owner-only");
    expect(hasKeyPermissions(world, vault, "officer", ["get", "wrapKey", "unwrapKey"]).ok).toBe(true);
    expect(hasKeyPermissions(world, vault, "key-scoped", ["unwrapKey"], "acr-cmk").ok).toBe(true);
    expect(hasKeyPermissions(world, vault, "key-scoped", ["unwrapKey"], "other").ok).toBe(false);
    // Owner is a management-plane role: no key data actions.
    expect(hasKeyPermissions(world, vault, "owner-only", ["get"]).ok).toBe(false);
    expect(hasKeyPermissions(world, vault, world.operator.objectId, ["get", "create", "delete"]).ok).toBe(true);
  });
});

describe("durations", () => {
  it.each([
    ["90d", 90 * DAY],
    ["2h", 2 * HOUR],
    ["30m", 30 * 60_000],
    ["45s", 45_000],
    ["1d12h", 36 * HOUR],
  ])("reads %s", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(parseDuration(formatDuration(ms))).toBe(ms);
  });

  it.each(["", "90", "d", "-2h", "2 weeks", "0s", "1.5h", "99999d"])("refuses '%s'", (text) => {
    expect(() => parseDuration(text)).toThrow(/duration|zero|ten years/);
  });
});

describe("liveWorldClock: the sandbox clock of a long-lived process", () => {
  it("follows `sandbox advance` made by another writer of the state file", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { initFileStore, liveWorldClock } = await import("../../src/sandbox/index.js");
    const dir = mkdtempSync(join(tmpdir(), "acr-cmk-clock-"));
    try {
      const path = join(dir, "sandbox.json");
      const store = initFileStore(path, createWorld());
      const clock = liveWorldClock(path);
      expect(Math.abs(clock().getTime() - Date.now())).toBeLessThan(5_000);
      store.update((world) => void advanceClock(world, 90 * DAY));
      expect(Math.abs(clock().getTime() - (Date.now() + 90 * DAY))).toBeLessThan(5_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
