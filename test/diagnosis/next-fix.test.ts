import { describe, expect, it } from "vitest";
import { nextFix } from "../../src/diagnosis/next-fix.js";
import type { Finding, RunbookId, Severity } from "../../src/diagnosis/types.js";

const finding = (id: string, severity: Severity, runbook: RunbookId | null): Finding => ({
  id,
  severity,
  title: id,
  detail: id,
  evidence: {},
  runbook,
});

describe("nextFix: what a recovery runs first", () => {
  it("puts access before the network, whatever order the diagnosis lists them in", () => {
    const findings = [
      finding("FIREWALL_BLOCKS_REGISTRY", "critical", "firewall-403"),
      finding("ACCESS_MISSING", "critical", "restore"),
    ];
    expect(nextFix(findings)?.id).toBe("ACCESS_MISSING");
    expect(nextFix(findings, new Set<RunbookId>(["restore"]))?.id).toBe("FIREWALL_BLOCKS_REGISTRY");
  });

  it("the key and vault come before the identity and everything else", () => {
    const findings = [
      finding("IDENTITY_NOT_ASSIGNED", "critical", "identity-removed"),
      finding("KEY_SOFT_DELETED", "critical", "key-deleted"),
    ];
    expect(nextFix(findings)?.id).toBe("KEY_SOFT_DELETED");
  });

  it("a warning is the fix only when nothing ran yet, and info never is", () => {
    const findings = [finding("KEY_EXPIRING_SOON", "warning", "rotate"), finding("ROTATION_MANUAL", "info", "rotate")];
    expect(nextFix(findings)?.id).toBe("KEY_EXPIRING_SOON");
    expect(nextFix(findings, new Set<RunbookId>(["key-deleted"]))).toBeUndefined();
    expect(nextFix([finding("ROTATION_MANUAL", "info", "rotate")])).toBeUndefined();
    expect(nextFix([finding("NOT_PREMIUM", "critical", null)])).toBeUndefined();
  });
});
