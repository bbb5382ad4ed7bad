// Every sandbox incident (`acr-cmk sandbox break --help`), diagnosed through the real SDK clients against the in-process sandbox.
import { describe, expect, it } from "vitest";
import { createSandboxAzure } from "../../src/cli/sandbox-azure.js";
import { diagnoseRegistry, type DiagnosisReport } from "../../src/diagnosis/diagnose.js";
import { breakWorld, type IncidentName } from "../../src/sandbox/incidents.js";
import { createWorld, type ScenarioOptions } from "../../src/sandbox/scenarios.js";
import { memoryStore } from "../../src/sandbox/store.js";
import { worldNow } from "../../src/sandbox/clock.js";

async function diagnoseWorld(scenario: ScenarioOptions, incident?: IncidentName): Promise<DiagnosisReport> {
  const world = createWorld(scenario);
  if (incident) breakWorld(world, incident, worldNow(world));
  const store = memoryStore(world);
  const azure = createSandboxAzure({ store });
  const registry = Object.values(world.registries)[0]!;
  const report = await diagnoseRegistry(
    azure,
    { resourceGroup: registry.resourceGroup, name: registry.name },
    { now: () => worldNow(store.read()), missingKeyLook: { everyMs: 200, forMs: 3_000 } },
  );
  expect(store.read().counters.purgeRequests).toBe(0);
  return report;
}

const ids = (r: DiagnosisReport) => r.findings.map((f) => f.id);

describe("healthy sandbox registries", () => {
  const variants: Array<[string, ScenarioOptions]> = [
    ["access policy, user identity", {}],
    ["RBAC, user identity", { access: "rbac" }],
    ["access policy, system identity", { identity: "system" }],
    ["RBAC, system identity", { identity: "system", access: "rbac" }],
    ["pinned key version", { keyVersion: "pinned" }],
    ["vault firewall with trusted services", { scenario: "firewall" }],
  ];
  it.each(variants)("%s: healthy, no critical finding, ≤ 3 waves", async (_name, scenario) => {
    const report = await diagnoseWorld(scenario);
    expect(report.findings.filter((f) => f.severity !== "info")).toEqual([]);
    expect(report.healthy).toBe(true);
    expect(report.probe.waves).toBeLessThanOrEqual(3);
  });

  it("a pinned key version is reported as manual rotation (info)", async () => {
    expect(ids(await diagnoseWorld({ keyVersion: "pinned" }))).toContain("ROTATION_MANUAL");
  });

  it("no purge protection is a warning, and not healthy", async () => {
    const report = await diagnoseWorld({ scenario: "no-purge-protection" });
    expect(ids(report)).toEqual(["PURGE_PROTECTION_OFF"]);
    expect(report.healthy).toBe(false);
  });
});

type Case = [incident: IncidentName, scenario: ScenarioOptions, finding: string, runbook: string];
const CASES: Case[] = [
  ["key-deleted", {}, "KEY_SOFT_DELETED", "key-deleted"],
  ["key-deleted", { access: "rbac" }, "KEY_SOFT_DELETED", "key-deleted"],
  ["vault-deleted", {}, "VAULT_SOFT_DELETED", "key-deleted"],
  ["vault-deleted", { access: "rbac" }, "VAULT_SOFT_DELETED", "key-deleted"],
  // Named only after looking again for a deleted record (a deletion in progress shows one within seconds).
  ["key-purged", {}, "KEY_PURGED", "key-deleted"],
  ["vault-purged", {}, "VAULT_PURGED", "key-deleted"],
  ["identity-removed", {}, "IDENTITY_NOT_ASSIGNED", "identity-removed"],
  ["identity-removed", { access: "rbac" }, "IDENTITY_NOT_ASSIGNED", "identity-removed"],
  ["system-identity-removed", { identity: "system" }, "SYSTEM_IDENTITY_MISSING", "identity-removed"],
  ["firewall-403", {}, "FIREWALL_BLOCKS_REGISTRY", "firewall-403"],
  ["firewall-403", { access: "rbac" }, "FIREWALL_BLOCKS_REGISTRY", "firewall-403"],
  ["access-revoked", {}, "ACCESS_MISSING", "restore"],
  ["access-revoked", { access: "rbac" }, "ACCESS_MISSING", "restore"],
  ["access-revoked", { identity: "system" }, "ACCESS_MISSING", "restore"],
  ["access-revoked", { identity: "system", access: "rbac" }, "ACCESS_MISSING", "restore"],
  ["key-disabled", {}, "KEY_DISABLED", "restore"],
  ["key-disabled", { keyVersion: "pinned" }, "KEY_DISABLED", "restore"],
  ["key-expired", {}, "KEY_EXPIRED", "restore"],
];

describe("every sandbox incident is named with its finding and runbook", () => {
  it.each(CASES)("%s (%j) → %s → %s", async (incident, scenario, finding, runbook) => {
    const report = await diagnoseWorld(scenario, incident);
    expect(report.healthy).toBe(false);
    // The first finding is the cause: "Next:" and `recover` act on it.
    expect(report.findings[0]).toMatchObject({ id: finding, severity: "critical", runbook });
    // ≤ 3 waves, but for a key in neither list: it is looked for again (a deletion in progress), in waves of its own.
    if (finding !== "KEY_PURGED") expect(report.probe.waves).toBeLessThanOrEqual(3);
  });
});

describe("cases the incidents do not cover", () => {
  async function diagnoseEdited(scenario: ScenarioOptions, edit: (world: ReturnType<typeof createWorld>) => void) {
    const world = createWorld(scenario);
    edit(world);
    const store = memoryStore(world);
    const registry = Object.values(world.registries)[0]!;
    return diagnoseRegistry(
      createSandboxAzure({ store }),
      { resourceGroup: registry.resourceGroup, name: registry.name },
      { now: () => worldNow(store.read()), missingKeyLook: { everyMs: 200, forMs: 3_000 } },
    );
  }

  it("firewall switched on after encryption (trusted services allowed) is FIREWALL_BLOCKS_REGISTRY from the data plane's answer", async () => {
    const report = await diagnoseEdited({ scenario: "firewall" }, (world) => {
      for (const registry of Object.values(world.registries)) registry.firewallStale = true;
    });
    expect(report.findings[0]).toMatchObject({ id: "FIREWALL_BLOCKS_REGISTRY", runbook: "firewall-403" });
    expect(report.findings[0]?.title).toContain("after encryption");
    expect(report.findings[0]?.evidence).toMatchObject({ bypass: "AzureServices", registryDataPlane: { status: 403 } });
    expect(ids(report)).not.toContain("CHECK_INCOMPLETE");
  });

  it("a key expiring in 10 days (sandbox clock) is KEY_EXPIRING_SOON → rotate", async () => {
    const report = await diagnoseEdited({}, (world) => {
      const now = worldNow(world).getTime();
      for (const vault of Object.values(world.vaults)) {
        for (const key of Object.values(vault.keys)) {
          for (const version of key.versions) version.exp = new Date(now + 10 * 86_400_000).toISOString();
        }
      }
    });
    expect(report.findings[0]).toMatchObject({ id: "KEY_EXPIRING_SOON", severity: "warning", runbook: "rotate" });
  });

  it("the firewall-403 incident's denied reads are evidence, not a 'check incomplete' warning", async () => {
    const report = await diagnoseWorld({}, "firewall-403");
    expect(ids(report)).toContain("KEY_READ_BLOCKED_BY_FIREWALL");
    expect(ids(report)).not.toContain("CHECK_INCOMPLETE");
  });
});
