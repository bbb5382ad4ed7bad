import { describe, expect, it } from "vitest";
import { AzureFailure } from "../../src/azure/types.js";
import { keyReferenceOf, planIdentity, probeRegistry } from "../../src/diagnosis/probe.js";
import { fakeAzure, keyNotFound } from "./fake-azure.js";
import { SYSTEM_PRINCIPAL, UAI_CLIENT, UAI_ID, V1, key, registry, userIdentity, vault, version } from "./snapshots.js";

const ref = { resourceGroup: "rg-acr", name: "acrprod" };
const identity = userIdentity();
const healthyWorld = () => ({
  registry: registry(),
  vault: vault(),
  key: key(),
  versions: [version()],
  identities: [identity],
});

function counts(calls: string[]): Record<string, number> {
  return calls.reduce<Record<string, number>>((acc, c) => ({ ...acc, [c]: (acc[c] ?? 0) + 1 }), {});
}

describe("probe scheduling", () => {
  it("a healthy registry costs the registry read plus one parallel wave, each read once", async () => {
    const azure = fakeAzure({ ...healthyWorld(), delayMs: 40 });
    const { snapshot, stats } = await probeRegistry(azure, ref);
    expect(stats.waves).toBe(2);
    expect(stats.calls).toBe(6);
    expect(Object.values(counts(azure.calls)).every((n) => n === 1)).toBe(true);
    // Two sequential round trips, not six: the five reads that need only the registry are in flight together.
    expect(azure.scheduling.roundTrips).toBe(2);
    expect(azure.scheduling.maxInFlight).toBe(5);
    expect(snapshot.key).toMatchObject({ ok: true });
    expect(snapshot.dataPlane).toMatchObject({ ok: true, value: { ok: true } });
  });

  it("a deleted key adds exactly one wave: the deleted-key lookup", async () => {
    const azure = fakeAzure({
      ...healthyWorld(),
      key: keyNotFound(),
      versions: keyNotFound(),
      deletedKey: { ...key(), recoveryId: "r" },
    });
    const { snapshot, stats } = await probeRegistry(azure, ref);
    expect(stats.waves).toBe(3);
    expect(stats.trace.find((t) => t.call === "getDeletedKey")?.wave).toBe(3);
    expect(snapshot.deletedKey).toMatchObject({ ok: true, value: { recoveryId: "r" } });
  });

  it("a purged key is a null deleted record, not a failure", async () => {
    const azure = fakeAzure({ ...healthyWorld(), key: keyNotFound(), versions: keyNotFound() });
    const { snapshot } = await probeRegistry(azure, ref, { missingKeyLook: { everyMs: 5, forMs: 20 } });
    expect(snapshot.deletedKey).toEqual({ ok: true, value: null });
  });

  it("a missing vault looks up the deleted vault in wave 3; a live vault never does", async () => {
    const gone = fakeAzure({ ...healthyWorld(), vault: null });
    const { stats } = await probeRegistry(gone, ref);
    expect(stats.trace.find((t) => t.call === "findDeletedVault")?.wave).toBe(3);
    const live = fakeAzure(healthyWorld());
    await probeRegistry(live, ref);
    expect(live.calls).not.toContain("findDeletedVault");
    expect(live.calls).not.toContain("getDeletedKey");
  });

  it("once the vault is known to be soft-deleted, the key reads (slow DNS failures) are cancelled", async () => {
    const network = new AzureFailure("getaddrinfo ENOTFOUND kv-acr.vault.azure.net", "network", { code: "ENOTFOUND" });
    const azure = fakeAzure({
      ...healthyWorld(),
      vault: null,
      deletedVault: { id: "d", name: "kv-acr", vaultId: "v", location: "westeurope", purgeProtectionEnabled: true },
      key: network,
      versions: network,
      slow: { getKey: 5_000, listKeyVersions: 5_000 },
    });
    const { snapshot, stats } = await probeRegistry(azure, ref);
    // The slow reads were stopped, not waited for: nothing the probe started is still running when it answers.
    expect(azure.scheduling.aborted.sort()).toEqual(["getKey", "listKeyVersions"]);
    expect(azure.scheduling.inFlight).toBe(0);
    expect(snapshot.key).toBeUndefined();
    expect(
      stats.trace
        .filter((t) => t.cancelled)
        .map((t) => t.call)
        .sort(),
    ).toEqual(["getKey", "listKeyVersions"]);
    expect(snapshot.deletedVault).toMatchObject({ ok: true, value: { name: "kv-acr" } });
  });

  it("an RBAC vault reads role assignments in wave 3, beside a deleted-key lookup, so the path stays at 3", async () => {
    const azure = fakeAzure({
      ...healthyWorld(),
      vault: vault({ enableRbacAuthorization: true }),
      key: keyNotFound(),
      versions: keyNotFound(),
      deletedKey: { ...key(), recoveryId: "r" },
      delayMs: 30,
    });
    const { stats } = await probeRegistry(azure, ref);
    expect(stats.waves).toBe(3);
    expect(
      stats.trace
        .filter((t) => t.wave === 3)
        .map((t) => t.call)
        .sort(),
    ).toEqual(["getDeletedKey", "listRoleAssignments"]);
    // Registry, then wave 2, then both wave-3 reads side by side: three sequential round trips, not four.
    expect(azure.scheduling.roundTrips).toBe(3);
  });

  it("a key in neither list is looked for again (a deletion in progress), in waves of its own, then left missing", async () => {
    const azure = fakeAzure({ ...healthyWorld(), key: keyNotFound(), versions: keyNotFound(), deletedKey: null });
    const { snapshot, stats } = await probeRegistry(azure, ref, { missingKeyLook: { everyMs: 5, forMs: 30 } });
    expect(snapshot.missingKeyLookedMs).toBeGreaterThanOrEqual(30);
    const looks = stats.trace.filter((t) => t.call === "getDeletedKey");
    expect(looks.length).toBeGreaterThan(1);
    expect(looks.map((t) => t.wave)).toEqual(looks.map((_t, i) => 3 + i));
  });

  it("a deleted record that appears while looking again ends the look", async () => {
    let calls = 0;
    const base = fakeAzure({ ...healthyWorld(), key: keyNotFound(), versions: keyNotFound(), deletedKey: null });
    const azure = {
      ...base,
      getDeletedKey: async (...args: Parameters<typeof base.getDeletedKey>) => {
        calls++;
        if (calls < 3) return base.getDeletedKey(...args);
        return { ...key(), recoveryId: "r" };
      },
    };
    const { snapshot } = await probeRegistry(azure, ref, { missingKeyLook: { everyMs: 5, forMs: 1_000 } });
    expect(snapshot.deletedKey).toMatchObject({ ok: true, value: { recoveryId: "r" } });
    expect(snapshot.missingKeyLookedMs).toBeUndefined();
    expect(calls).toBe(3);
  });

  it("an access-policy vault never lists role assignments", async () => {
    const azure = fakeAzure(healthyWorld());
    await probeRegistry(azure, ref);
    expect(azure.calls).not.toContain("listRoleAssignments");
  });

  it("an identity the registry no longer lists is looked up by client id in the subscription", async () => {
    const azure = fakeAzure({
      ...healthyWorld(),
      registry: registry({ identity: { type: "None", userAssigned: [] } }),
    });
    const { snapshot } = await probeRegistry(azure, ref);
    expect(azure.calls).toContain("listUserAssignedIdentities");
    expect(azure.calls).not.toContain("getUserAssignedIdentity");
    expect(snapshot.identity).toMatchObject({ kind: "user", unassignedMatch: { ok: true, value: { id: UAI_ID } } });
  });

  it("a client id that is no UAI on a registry with a system identity is the system identity", async () => {
    const reg = registry({
      identity: { type: "SystemAssigned", principalId: SYSTEM_PRINCIPAL, userAssigned: [] },
      encryption: { ...registry().encryption, identity: "44444444-4444-4444-4444-444444444444" },
    });
    const { snapshot } = await probeRegistry(fakeAzure({ ...healthyWorld(), registry: reg }), ref);
    expect(snapshot.identity).toMatchObject({ kind: "system", principalId: SYSTEM_PRINCIPAL });
  });

  it("a denied read is evidence: the probe completes and records the failure", async () => {
    const firewall = new AzureFailure("Client address is not authorized", "forbidden-by-firewall", {
      statusCode: 403,
      code: "Forbidden",
      innerCode: "ForbiddenByFirewall",
    });
    const { snapshot } = await probeRegistry(fakeAzure({ ...healthyWorld(), key: firewall, versions: firewall }), ref);
    expect(snapshot.key).toMatchObject({
      ok: false,
      error: { kind: "forbidden-by-firewall", innerCode: "ForbiddenByFirewall" },
    });
  });

  it("a credential failure ends the probe with the AzureFailure (exit 3), not a half diagnosis", async () => {
    const azure = fakeAzure({
      ...healthyWorld(),
      failing: { call: "getKey", error: new AzureFailure("no credential", "auth") },
    });
    await expect(probeRegistry(azure, ref)).rejects.toMatchObject({ kind: "auth" });
  });

  it("an unknown registry rejects with not-found", async () => {
    await expect(probeRegistry(fakeAzure({}), ref)).rejects.toMatchObject({ kind: "not-found" });
  });

  it("a registry without CMK reads nothing else", async () => {
    const azure = fakeAzure({ registry: registry({ encryption: { status: "disabled" } }) });
    const { stats } = await probeRegistry(azure, ref);
    expect(azure.calls).toEqual(["getRegistry"]);
    expect(stats.waves).toBe(1);
  });
});

describe("reading the registry's encryption settings", () => {
  it("takes a versionless key id apart and finds the version in use", () => {
    expect(keyReferenceOf(registry())).toEqual({
      keyRef: { vaultName: "kv-acr", vaultUrl: "https://kv-acr.vault.azure.net/", name: "acr-key" },
      keyVersionInUse: V1,
    });
  });

  it("reports an unparseable key id instead of throwing", () => {
    const bad = registry({
      encryption: { status: "enabled", keyIdentifier: "https://example.com/keys/x", identity: UAI_CLIENT },
    });
    expect(keyReferenceOf(bad).keyIdentifierProblem).toMatch(/key id/);
  });

  it("reads 'system' and '[system]' as the system identity", () => {
    for (const value of ["system", "[system]", "System"]) {
      expect(planIdentity(registry({ encryption: { ...registry().encryption, identity: value } }))?.kind).toBe(
        "system",
      );
    }
  });
});
