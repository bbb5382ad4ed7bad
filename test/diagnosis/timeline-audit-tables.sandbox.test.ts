// The timeline reads the vault's audit events from whichever Log Analytics table its diagnostic setting writes to
// (AzureDiagnostics, or AZKVAuditLogs when the setting is Dedicated), and a change to the diagnostic settings is itself
// a change in the timeline: who turned the audit logs off, and when. Through the real SDK clients and the sandbox.
import { describe, expect, it } from "vitest";
import { createSandboxAzure } from "../../src/cli/sandbox-azure.js";
import { diagnoseRegistry } from "../../src/diagnosis/diagnose.js";
import { renderReportText } from "../../src/diagnosis/report-text.js";
import { AUDIT_SETTING_NAME } from "../../src/sandbox/audit-logs.js";
import { worldNow } from "../../src/sandbox/clock.js";
import { createSandboxHandler } from "../../src/sandbox/handler.js";
import { breakWorld, type IncidentName } from "../../src/sandbox/incidents.js";
import { createWorld, DEMO_RESOURCE_GROUP, type ScenarioOptions } from "../../src/sandbox/scenarios.js";
import { memoryStore } from "../../src/sandbox/store.js";

const REGISTRY = { resourceGroup: DEMO_RESOURCE_GROUP, name: "acrcmkdemo" };
const FAST_LOOK = { everyMs: 1, forMs: 0 };
const API = "api-version=2021-05-01-preview";

function sandbox(options: ScenarioOptions = {}) {
  const store = memoryStore(createWorld(options));
  const vault = Object.values(store.read().vaults)[0];
  if (!vault) throw new Error("scenario without a vault");
  const settingUrl = `https://management.azure.com${vault.id}/providers/Microsoft.Insights/diagnosticSettings/${AUDIT_SETTING_NAME}?${API}`;
  /** A request to Resource Manager as `upn` with the Azure CLI (what `az monitor diagnostic-settings …` sends). */
  const asCli = async (upn: string, method: "PUT" | "DELETE", body?: unknown) => {
    const claims = Buffer.from(JSON.stringify({ upn })).toString("base64url");
    const answer = await createSandboxHandler({ store }).handle({
      method,
      url: settingUrl,
      headers: {
        authorization: `Bearer e30.${claims}.`,
        "user-agent": "AZURECLI/2.45.0 (DEB) azsdk-python-core/1.26.0 Python/3.11.2",
        "content-type": "application/json",
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    expect(answer.status, String(answer.body)).toBeLessThan(300);
    return store.read().clock;
  };
  const breakAs = (incident: IncidentName, actor: string) =>
    store.update((w, now) => {
      breakWorld(w, incident, now, undefined, { by: { actor, client: "cli" } });
      return now;
    });
  const diagnose = () =>
    diagnoseRegistry(createSandboxAzure({ store }), REGISTRY, {
      now: () => worldNow(store.read()),
      missingKeyLook: FAST_LOOK,
    });
  return { store, vault, asCli, breakAs, diagnose };
}

const auditSource = (report: Awaited<ReturnType<typeof diagnoseRegistry>>) =>
  report.timelineInfo?.sources.find((s) => s.source === "key-vault-audit");

describe("audit events in the resource-specific table (AZKVAuditLogs)", () => {
  it("a Dedicated setting: the key deletion is named from AZKVAuditLogs, with the person and the client", async () => {
    const { breakAs, diagnose } = sandbox({ auditLogs: "dedicated" });
    breakAs("key-deleted", "alice@contoso.com");
    const report = await diagnose();
    expect(auditSource(report)).toMatchObject({ read: true, tables: ["AZKVAuditLogs"] });
    expect(auditSource(report)?.note).toBeUndefined();
    const finding = report.findings.find((f) => f.id === "KEY_SOFT_DELETED");
    expect(finding?.cause).toMatch(/^key acr-cmk deleted by alice@contoso\.com at .* with the Azure CLI$/);
    expect(report.timelineInfo?.unwrapFailures).toMatchObject({ status: 404, code: "KeyNotFound" });
    expect(report.findings.map((f) => f.id)).not.toContain("AUDIT_LOGS_OFF");
  });

  it("a setting switched to Dedicated before its first event: the table does not exist yet, an empty read with a note", async () => {
    const { asCli, diagnose, vault } = sandbox({ auditLogs: "on" });
    await asCli("bob@contoso.com", "PUT", {
      properties: {
        workspaceId: vault.diagnosticSettings?.[0]?.workspaceId,
        logs: [{ category: "AuditEvent", enabled: true }],
        logAnalyticsDestinationType: "Dedicated",
      },
    });
    const report = await diagnose();
    expect(report.healthy).toBe(true);
    expect(auditSource(report)).toMatchObject({ read: true, tables: [] });
    expect(auditSource(report)?.note).toMatch(/table AZKVAuditLogs does not exist in the workspace yet/);
    expect(renderReportText(report, { color: false, width: 200 })).toMatch(
      /note: Key Vault audit events: table AZKVAuditLogs does not exist/,
    );
    // The switch itself is a change, with who made it.
    const change = report.timeline?.find((e) => e.operation === "Microsoft.Insights/diagnosticSettings/write");
    expect(change).toMatchObject({ actor: "bob@contoso.com", source: "activity-log" });
    expect(change?.detail).toBe(`diagnostic setting ${AUDIT_SETTING_NAME} of vault ${vault.name} created or changed`);
  });

  it("a switch in the window: events from before it (AzureDiagnostics) and after it (AZKVAuditLogs) are both there", async () => {
    const { store, breakAs, diagnose } = sandbox({ auditLogs: "on" });
    breakAs("key-disabled", "carol@contoso.com");
    store.update((w) => {
      for (const s of Object.values(w.vaults)[0]?.diagnosticSettings ?? []) s.logAnalyticsDestinationType = "Dedicated";
    });
    breakAs("key-deleted", "dave@contoso.com");
    const report = await diagnose();
    expect(auditSource(report)?.tables?.sort()).toEqual(["AZKVAuditLogs", "AzureDiagnostics"]);
    const operations = report.timeline
      ?.filter((e) => e.source === "key-vault-audit")
      .map((e) => [e.operation, e.actor]);
    expect(operations).toEqual(
      expect.arrayContaining([
        ["KeyDelete", "dave@contoso.com"],
        ["KeyUpdate", "carol@contoso.com"],
      ]),
    );
  });
});

describe("changes to the diagnostic settings are in the timeline", () => {
  it("audit logs turned off: AUDIT_LOGS_OFF is caused by the setting's deletion, with who and when", async () => {
    const { asCli, breakAs, diagnose, vault } = sandbox({ auditLogs: "on" });
    const clock = await asCli("erin@contoso.com", "DELETE");
    breakAs("key-deleted", "mallory@contoso.com");
    const report = await diagnose();
    const off = report.findings.find((f) => f.id === "AUDIT_LOGS_OFF");
    const entry = report.timeline?.find((e) => e.id === off?.causedBy);
    expect(entry).toMatchObject({
      actor: "erin@contoso.com",
      operation: "Microsoft.Insights/diagnosticSettings/delete",
      source: "activity-log",
      resourceId: `${vault.id}/providers/Microsoft.Insights/diagnosticSettings/${AUDIT_SETTING_NAME}`,
    });
    expect(Math.abs(Date.parse(entry?.time ?? "") - (Date.now() + clock.offsetMs))).toBeLessThan(10_000);
    expect(off?.cause).toMatch(
      new RegExp(
        `^diagnostic setting ${AUDIT_SETTING_NAME} of vault ${vault.name} deleted: .* by erin@contoso\\.com at `,
      ),
    );
    // Turned off first, so the key deletion after it left no audit event: its cause is unknown, and says so by absence.
    expect(report.findings.find((f) => f.id === "KEY_SOFT_DELETED")?.causedBy).toBeUndefined();
  });

  it("audit events from before the logs were turned off are still read, and say so", async () => {
    const { asCli, breakAs, diagnose } = sandbox({ auditLogs: "on" });
    breakAs("key-disabled", "carol@contoso.com");
    await asCli("erin@contoso.com", "DELETE");
    const report = await diagnose();
    expect(report.findings.find((f) => f.id === "KEY_DISABLED")?.cause).toMatch(/by carol@contoso\.com /);
    expect(report.findings.find((f) => f.id === "AUDIT_LOGS_OFF")?.cause).toMatch(/by erin@contoso\.com /);
    expect(auditSource(report)).toMatchObject({ read: true, tables: ["AzureDiagnostics"] });
    expect(auditSource(report)?.note).toMatch(/AUDIT_LOGS_OFF.*these events are from before/);
  });

  it("Resource Graph's change history does not list diagnostic settings; the Activity Log does", async () => {
    const { asCli, store, vault } = sandbox({ auditLogs: "on" });
    await asCli("erin@contoso.com", "DELETE");
    const azure = createSandboxAzure({ store });
    const now = Date.now() + store.read().clock.offsetMs;
    const window = { from: new Date(now - 3_600_000), to: new Date(now + 60_000) };
    expect(await azure.listResourceChanges({ resourceIds: [], vaultName: vault.name }, window)).toEqual([]);
    const events = await azure.listActivityLog(DEMO_RESOURCE_GROUP, window);
    expect(events.map((e) => [e.operation, e.caller])).toEqual([
      ["Microsoft.Insights/diagnosticSettings/delete", "erin@contoso.com"],
    ]);
  });
});
