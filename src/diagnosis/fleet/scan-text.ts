// The scan as a table an engineer can read at 3 a.m.: worst first, one line per resource, then the keys and any
// subscription that could not be read.
import type { KeyUsage, ResourceResult, ScanReport } from "./scan.js";

function shortKey(keyId: string | null): string {
  if (!keyId) return "-";
  const match = /^https:\/\/([^./]+)\.[^/]+\/keys\/([^/]+)/i.exec(keyId);
  return match ? `${match[1]}/${match[2]}` : keyId;
}

function row(r: ResourceResult): string[] {
  const finding = r.findings.find((f) => f.severity !== "info") ?? r.findings[0];
  return [
    r.healthy ? "healthy" : "UNHEALTHY",
    `${r.type === "registry" ? "acr" : "aci"} ${r.resourceGroup}/${r.name}`,
    shortKey(r.keyId),
    r.identity ?? "-",
    finding?.id ?? "-",
    r.runbook ?? (r.type === "containerGroup" && !r.healthy ? "(redeploy)" : "-"),
  ];
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** "kv-x/key-y: 12 registries, 3 container groups, 1 unhealthy" */
export function keySummary(key: KeyUsage, resources: readonly ResourceResult[]): string {
  const users = new Set(key.users.map((u) => u.toLowerCase()));
  const mine = resources.filter((r) => users.has(r.id.toLowerCase()));
  const registries = mine.filter((r) => r.type === "registry").length;
  const groups = mine.length - registries;
  const unhealthy = mine.filter((r) => !r.healthy).length;
  const versions = Object.keys(key.versions).length;
  return (
    `${shortKey(key.keyId)}: ${registries} ${registries === 1 ? "registry" : "registries"}, ${groups} container ` +
    `${groups === 1 ? "group" : "groups"}, ${unhealthy} unhealthy${versions > 1 ? ` (${versions} versions in use)` : ""}`
  );
}

/** `invocation`: how acr-cmk is run here (`acr-cmk --sandbox <file>` in sandbox mode), for the command it names. */
export function renderScanText(report: ScanReport, invocation = "acr-cmk"): string {
  const unhealthy = report.resources.filter((r) => !r.healthy).length;
  const lines = [
    `${report.resources.length} CMK resources, ${unhealthy} unhealthy, ${report.keys.length} keys, ` +
      `${report.stats.keyPaths} key paths checked in ${(report.stats.elapsedMs / 1000).toFixed(1)} s`,
    "",
    ...table(["HEALTH", "RESOURCE", "KEY", "IDENTITY", "FINDING", "RUNBOOK"], report.resources.map(row)),
    "",
    "Keys:",
    ...report.keys.map((k) => `  ${keySummary(k, report.resources)}`),
  ];
  const unreadable = report.subscriptions.filter((s) => !s.readable);
  if (unreadable.length > 0) {
    lines.push("", "Not scanned:");
    for (const s of unreadable) lines.push(`  subscription ${s.subscriptionId}: ${s.reason ?? "not readable"}`);
  }
  if (unhealthy > 0) {
    const first = report.resources.find((r) => !r.healthy);
    if (first) lines.push("", `Next: ${invocation} diagnose --id ${first.id}`);
  }
  return lines.join("\n") + "\n";
}
