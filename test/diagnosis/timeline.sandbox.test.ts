// For every incident the sandbox can break, the sandboxed diagnosis names the change that caused it, the person
// `sandbox break --as` named, and when: through the real SDK clients, from the sources Azure would have.
import { describe, expect, it } from "vitest";
import { createSandboxAzure } from "../../src/cli/sandbox-azure.js";
import { diagnoseRegistry } from "../../src/diagnosis/diagnose.js";
import { renderReportText } from "../../src/diagnosis/report-text.js";
import { breakWorld, INCIDENT_NAMES, type IncidentName } from "../../src/sandbox/incidents.js";
import { createWorld, DEMO_RESOURCE_GROUP, type ScenarioOptions } from "../../src/sandbox/scenarios.js";
import { memoryStore } from "../../src/sandbox/store.js";
import { worldNow } from "../../src/sandbox/clock.js";

const REGISTRY = { resourceGroup: DEMO_RESOURCE_GROUP, name: "acrcmkdemo" };
const DAY = 86_400_000;
const FAST_LOOK = { everyMs: 1, forMs: 0 };

const SCENARIOS: Partial<Record<IncidentName, ScenarioOptions>> = {
  "system-identity-removed": { scenario: "system-identity" },
};

async function brokenDiagnosis(incident: IncidentName, actor: string, options: ScenarioOptions = {}, sinceMs?: number) {
  const store = memoryStore(createWorld({ ...SCENARIOS[incident], ...options }));
  const brokeAt = store.update((w, now) => {
    breakWorld(w, incident, now, undefined, { by: { actor, client: "cli" } });
    return now;
  });
  const azure = createSandboxAzure({ store });
  const report = await diagnoseRegistry(azure, REGISTRY, {
    now: () => worldNow(store.read()),
    missingKeyLook: FAST_LOOK,
    ...(sinceMs ? { timeline: { sinceMs } } : {}),
  });
  return { report, brokeAt, world: store.read() };
}

describe("the timeline names the change behind every incident", () => {
  it.each(INCIDENT_NAMES)("%s: the change, who made it, and when", async (incident) => {
    // A key purged under purge protection was deleted longer ago than the retention period: look back that far.
    const { report, brokeAt, world } = await brokenDiagnosis(
      incident,
      "alice@contoso.com",
      {},
      incident === "key-purged" ? 100 * DAY : undefined,
    );
    const caused = report.findings.filter((f) => f.severity === "critical" && f.causedBy);
    expect(caused.length, JSON.stringify(report.findings.map((f) => f.id))).toBeGreaterThan(0);
    for (const finding of caused) {
      const entry = report.timeline?.find((e) => e.id === finding.causedBy);
      expect(entry, finding.causedBy).toBeDefined();
      if (entry?.source !== "key-vault-audit" || !/unwraps/.test(entry.detail)) {
        expect(entry?.actor).toBe("alice@contoso.com");
        expect(finding.cause).toContain("alice@contoso.com");
      }
      const deletedAt = Object.values(Object.values(world.vaults)[0]?.keys ?? {})[0]?.deleted?.deletedDate;
      const backdated = incident === "key-purged" && deletedAt && entry?.operation === "KeyDelete";
      const expected = backdated ? Date.parse(deletedAt) : brokeAt.getTime();
      expect(Math.abs(Date.parse(entry?.time ?? "") - expected)).toBeLessThan(5_000);
    }
  });

  it("access revoked on an RBAC vault: the role assignment's deletion in the Activity Log", async () => {
    const { report } = await brokenDiagnosis("access-revoked", "erin@contoso.com", { access: "rbac" });
    const finding = report.findings.find((f) => f.id === "ACCESS_MISSING");
    const entry = report.timeline?.find((e) => e.id === finding?.causedBy);
    expect(entry).toMatchObject({
      source: "activity-log",
      operation: "Microsoft.Authorization/roleAssignments/delete",
      actor: "erin@contoso.com",
    });
    expect(entry?.requestId).toBeNull();
  });

  it("the key-deleted cause reads as the on-call engineer needs it", async () => {
    const { report } = await brokenDiagnosis("key-deleted", "alice@contoso.com");
    const finding = report.findings.find((f) => f.id === "KEY_SOFT_DELETED");
    expect(finding?.cause).toMatch(
      /^key acr-cmk deleted by alice@contoso\.com at \d\d:\d\d UTC on \d{4}-\d\d-\d\d with the Azure CLI$/,
    );
    expect(report.timelineInfo?.unwrapFailures).toMatchObject({
      status: 404,
      code: "KeyNotFound",
      callerIp: "203.0.113.77",
    });
    const text = renderReportText(report, { color: false, width: 200 });
    expect(text).toMatch(
      /KEY_SOFT_DELETED ← key acr-cmk deleted by alice@contoso\.com at \d\d:\d\d UTC on [\d-]+ with the Azure CLI/,
    );
    expect(text).toMatch(
      /^Timeline since .* UTC, newest first:\n {2}[\d-]+ [\d:]+ {2}alice@contoso\.com {2}key acr-cmk deleted \(the Azure CLI\) {2}\[key-vault-audit\]/m,
    );
    expect(text).toMatch(/The registry's unwraps have failed since .*: 404 KeyNotFound from 203\.0\.113\.77/);
    expect(text).toMatch(/timeline: 5 more in round trip 3, 3 in all/);
  });
});

describe("degrade, never fail", () => {
  it("no diagnostic settings on the vault: AUDIT_LOGS_OFF with the command that turns them on", async () => {
    const { report } = await brokenDiagnosis("key-disabled", "bob@contoso.com", { auditLogs: "off" });
    const off = report.findings.find((f) => f.id === "AUDIT_LOGS_OFF");
    expect(off).toMatchObject({ severity: "warning", runbook: null });
    expect(off?.command).toMatch(
      /^az monitor diagnostic-settings create --name acr-cmk-audit --resource \/subscriptions\/.+\/vaults\/kv-acr-cmk-demo --workspace <workspace-resource-id> --logs '\[\{"category":"AuditEvent","enabled":true\}\]'$/,
    );
    expect(report.timelineInfo?.sources).toContainEqual(
      expect.objectContaining({ source: "key-vault-audit", read: false }),
    );
    // The disabled key is still found; nothing can say who disabled it.
    expect(report.findings.find((f) => f.id === "KEY_DISABLED")?.causedBy).toBeUndefined();
  });

  it("a source the identity may not read: the timeline says which and the role, the diagnosis is the same", async () => {
    const store = memoryStore(createWorld());
    store.update((w, now) =>
      breakWorld(w, "vault-deleted", now, undefined, { by: { actor: "dave@contoso.com", client: "portal" } }),
    );
    const azure = createSandboxAzure({ store });
    const full = await diagnoseRegistry(azure, REGISTRY, { missingKeyLook: FAST_LOOK });
    store.update(
      (w) => void (w.settings.deniedReads = ["activity-log", "resource-graph", "log-analytics", "diagnostic-settings"]),
    );
    const denied = await diagnoseRegistry(azure, REGISTRY, { missingKeyLook: FAST_LOOK });
    expect(denied.healthy).toBe(full.healthy);
    expect(denied.findings.map((f) => [f.id, f.severity])).toEqual(full.findings.map((f) => [f.id, f.severity]));
    expect(full.findings.find((f) => f.id === "VAULT_SOFT_DELETED")?.cause).toMatch(
      /dave@contoso\.com .* with the Azure portal$/,
    );
    expect(denied.timeline).toEqual([]);
    const notRead = denied.timelineInfo?.sources.filter((s) => !s.read).map((s) => [s.source, s.role]);
    expect(notRead).toEqual(
      expect.arrayContaining([
        ["resource-changes", expect.stringMatching(/^Reader/)],
        ["activity-log", expect.stringMatching(/Monitoring Reader/)],
      ]),
    );
  });

  it("without the timeline diagnose makes none of its reads", async () => {
    const store = memoryStore(createWorld());
    // Fresh clients each time: Key Vault's challenge round trip is paid once per client.
    const before = store.read().counters.requests;
    const without = await diagnoseRegistry(createSandboxAzure({ store }), REGISTRY, { timeline: false });
    const mid = store.read().counters.requests;
    const withIt = await diagnoseRegistry(createSandboxAzure({ store }), REGISTRY);
    const after = store.read().counters.requests;
    expect(without.timeline).toBeUndefined();
    expect(after - mid - (mid - before)).toBe(withIt.timelineInfo?.calls);
    expect(withIt.healthy).toBe(true);
  });
});
