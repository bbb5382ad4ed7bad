// `sandbox init --audit-logs on|dedicated|off` through the CLI: dedicated vaults write to AZKVAuditLogs, and diagnose
// reads the cause of the incident from there.
import { afterAll, describe, expect, it } from "vitest";
import { CliSandbox } from "../fixtures/cli-sandbox.js";

const sandboxes: CliSandbox[] = [];
afterAll(() => {
  for (const sandbox of sandboxes) sandbox.remove();
});

describe("sandbox init --audit-logs", () => {
  it("dedicated: the audit events go to AZKVAuditLogs, and diagnose names the deletion from there", async () => {
    const sandbox = new CliSandbox("acr-cmk-audit-dedicated-");
    sandboxes.push(sandbox);
    const init = await sandbox.ok(["sandbox", "init", "--audit-logs", "dedicated"]);
    expect(init.stdout).toMatch(
      /^audit events: Log Analytics workspace acr-cmk-logs, resource-specific table AZKVAuditLogs$/m,
    );
    const [vault] = Object.values(sandbox.world().vaults);
    expect(vault?.diagnosticSettings?.[0]?.logAnalyticsDestinationType).toBe("Dedicated");
    await sandbox.ok(["sandbox", "break", "key-deleted", "--as", "alice@contoso.com"]);
    const diagnosis = await sandbox.cli(["diagnose", "-g", "rg-acr-cmk-demo", "-r", "acrcmkdemo", "--output", "json"]);
    expect(diagnosis.code).toBe(1);
    const report = JSON.parse(diagnosis.stdout) as {
      findings: Array<{ id: string; cause?: string }>;
      timelineInfo: { sources: Array<{ source: string; read: boolean; tables?: string[] }> };
    };
    expect(report.timelineInfo.sources).toContainEqual({
      source: "key-vault-audit",
      read: true,
      tables: ["AZKVAuditLogs"],
    });
    expect(report.findings.find((f) => f.id === "KEY_SOFT_DELETED")?.cause).toMatch(/by alice@contoso\.com/);
  });

  it("refuses a mode it does not know, naming the three, and writes no sandbox", async () => {
    const sandbox = new CliSandbox("acr-cmk-audit-bad-");
    sandboxes.push(sandbox);
    const refused = await sandbox.cli(["sandbox", "init", "--audit-logs", "yes"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--audit-logs.*on.*dedicated.*off/);
  });
});
