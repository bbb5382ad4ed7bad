import { describe, expect, it } from "vitest";
import { buildReport } from "../../src/diagnosis/diagnose.js";
import { formatEvidence, renderReportText } from "../../src/diagnosis/report-text.js";
import { healthy, key, notFound, registry, vault } from "./snapshots.js";

const stats = { calls: 7, waves: 3, elapsedMs: 120, trace: [] };
const ctx = { invocation: "acr-cmk" };

describe("the text report", () => {
  const keyDeleted = healthy((s) => {
    s.key = notFound();
    s.keyVersions = notFound();
    s.deletedKey = { ok: true, value: { ...key(), scheduledPurgeDate: "2026-05-30T00:00:00Z" } };
    s.vault = { ok: true, value: vault({ enablePurgeProtection: false }) };
    s.dataPlane = { ok: true, value: { ok: false, status: 403, code: "DENIED", message: "x".repeat(500) } };
  });

  it("leads with the cause and the impact, then the next command", () => {
    const text = renderReportText(buildReport(keyDeleted, stats, ctx), { color: false });
    const lines = text.split("\n");
    expect(lines[3]).toBe(
      "Critical: Key 'acr-key' in vault 'kv-acr' is deleted (soft-deleted, recoverable). (2 critical, 1 warning)",
    );
    expect(lines[4]).toBe("Impact: UNHEALTHY — the registry cannot read its content: pulls and pushes fail.");
    expect(text).toContain("Next: acr-cmk run key-deleted -g rg-acr -r acrprod");
    expect(text).toContain("Checked with 7 Azure calls in 3 round trips (120 ms).");
  });

  it("has no escape codes without colour, and colours the headline with it", () => {
    const report = buildReport(keyDeleted, stats, ctx);
    expect(renderReportText(report, { color: false })).not.toContain("\u001b[");
    expect(renderReportText(report, { color: true })).toContain("\u001b[1;31mCritical:");
  });

  it("keeps lines within the width", () => {
    const text = renderReportText(buildReport(keyDeleted, stats, ctx), { color: false, width: 80 });
    // A single token longer than the width (an id, a URL) cannot be broken; every other line fits.
    const wrapped = text.split("\n").filter((l) => l.startsWith("          ") && l.trim().includes(" "));
    expect(wrapped.length).toBeGreaterThan(5);
    expect(wrapped.every((l) => l.length <= 80)).toBe(true);
  });

  it("flattens evidence to field paths and shortens long values", () => {
    expect(formatEvidence({ a: 1, b: { c: "x", d: [1, 2] }, e: undefined })).toEqual(["a=1", "b.c=x", "b.d=[1, 2]"]);
    const [long] = formatEvidence({ message: "y".repeat(400) });
    expect(long?.length).toBeLessThan(200);
    expect(long?.endsWith("…")).toBe(true);
  });

  it("says healthy plainly, including for a registry without CMK", () => {
    expect(renderReportText(buildReport(healthy(), stats, ctx), { color: false })).toContain(
      "Healthy: the registry can reach and use its key.",
    );
    const noCmk = {
      now: "2026-03-01T00:00:00Z",
      subscriptionId: "s",
      registry: registry({ encryption: { status: "disabled" as const } }),
    };
    const text = renderReportText(buildReport(noCmk, stats, ctx), { color: false });
    expect(text).toContain("Healthy: no customer-managed key to go wrong.");
    expect(text).toContain("Microsoft-managed keys");
  });
});
