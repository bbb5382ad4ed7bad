// The diagnosis as a senior engineer would say it: one headline, the findings most severe first with their evidence,
// then the one command to run next.
import type { Finding, Severity } from "./types.js";
import type { DiagnosisReport } from "./diagnose.js";
import { impactLine } from "./impact.js";
import { renderTimelineText } from "./timeline/render-text.js";

export interface TextOptions {
  color: boolean;
  /** Wrap width; 100 when unknown. */
  width?: number;
}

const LABEL: Record<Severity, string> = { critical: "CRITICAL", warning: "WARNING ", info: "info    " };
const ANSI: Record<Severity, string> = { critical: "\u001b[1;31m", warning: "\u001b[33m", info: "\u001b[2m" };
const RESET = "\u001b[0m";
const INDENT = " ".repeat(10);
const MAX_EVIDENCE_VALUE = 160;

function paint(text: string, severity: Severity, color: boolean): string {
  return color ? `${ANSI[severity]}${text}${RESET}` : text;
}

function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(indent + line);
  return lines;
}

/** `a=1 b.c=2`: evidence flattened to the field paths an engineer can look up. */
export function formatEvidence(evidence: Record<string, unknown>, prefix = ""): string[] {
  return Object.entries(evidence).flatMap(([key, value]) => {
    if (value === undefined) return [];
    const path = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      return formatEvidence(value as Record<string, unknown>, path);
    }
    const text = Array.isArray(value) ? `[${value.join(", ")}]` : String(value);
    // Error bodies can be long; the JSON output keeps them whole.
    return [`${path}=${text.length > MAX_EVIDENCE_VALUE ? `${text.slice(0, MAX_EVIDENCE_VALUE)}…` : text}`];
  });
}

function countLine(report: DiagnosisReport): string {
  const parts = (["critical", "warning", "info"] as const).flatMap((severity) => {
    const n = report.findings.filter((f) => f.severity === severity).length;
    return n > 0 ? [`${n} ${severity}`] : [];
  });
  return parts.length > 0 ? `(${parts.join(", ")})` : "";
}

/** The headline and the impact: what is wrong first, then whether pulls fail right now. */
function headline(report: DiagnosisReport): string[] {
  const top = report.findings[0];
  if (top?.severity === "critical") {
    const impact = report.impact;
    return [`Critical: ${top.title}. ${countLine(report)}`, ...(impact ? [impactLine(impact)] : [])];
  }
  if (top?.severity === "warning") return [`No outage, but: ${top.title}. ${countLine(report)}`];
  if (report.registry.encryption.status !== "enabled") return ["Healthy: no customer-managed key to go wrong."];
  return ["Healthy: the registry can reach and use its key."];
}

function describeRegistry(report: DiagnosisReport): string {
  const { registry } = report;
  const enc = registry.encryption;
  const parts = [registry.sku];
  if (enc.status === "enabled") {
    parts.push(
      `CMK ${enc.keyIdentifier ?? "(no key id)"}`,
      `${enc.rotation ?? "unknown"} rotation`,
      `identity ${enc.identity ?? "(none)"}`,
    );
  } else {
    parts.push("Microsoft-managed keys");
  }
  return parts.join(" · ");
}

function renderFinding(f: Finding, options: Required<TextOptions>): string[] {
  const head = `${paint(LABEL[f.severity], f.severity, options.color)}  ${f.title}  [${f.id}]`;
  const lines = [head, ...wrap(f.detail, options.width, INDENT)];
  if (f.cause) lines.push(...wrap(`${f.id} ← ${f.cause}`, options.width, INDENT));
  const evidence = formatEvidence(f.evidence);
  if (evidence.length > 0) lines.push(...wrap(`evidence: ${evidence.join("; ")}`, options.width, INDENT));
  if (f.runbook) lines.push(`${INDENT}runbook: ${f.runbook}`);
  return lines;
}

export function renderReportText(report: DiagnosisReport, options: TextOptions): string {
  const opts: Required<TextOptions> = { color: options.color, width: Math.max(60, options.width ?? 100) };
  const { registry } = report;
  const lines = [
    `${registry.name} (resource group ${registry.resourceGroup}, subscription ${registry.subscriptionId})`,
    describeRegistry(report),
    "",
    ...headline(report).map((line, i) =>
      i === 0 && !report.healthy ? paint(line, report.findings[0]?.severity ?? "warning", opts.color) : line,
    ),
  ];
  if (report.findings.length > 0) lines.push("");
  for (const finding of report.findings) lines.push(...renderFinding(finding, opts), "");
  const next =
    report.findings.find((f) => f.command && f.severity !== "info") ??
    (report.healthy ? undefined : report.findings[0]);
  if (next?.command) {
    lines.push(`Next: ${next.command}`);
    if (next.runbook) lines.push(`      (the ${next.runbook} runbook: every change step asks for approval first)`);
  } else if (!report.healthy) {
    lines.push("Next: no runbook fixes this automatically; follow the detail above, or escalate to Azure support.");
  } else {
    lines.push("Next: nothing to do.");
  }
  if (report.timeline && report.timelineInfo) {
    lines.push("", ...renderTimelineText(report.timeline, report.timelineInfo), "");
  }
  const info = report.timelineInfo;
  const withTimeline = info
    ? ` (timeline: ${info.calls} more in round trip ${info.wave}, ${Math.max(info.wave, report.probe.waves)} in all)`
    : "";
  lines.push(
    `Checked with ${report.probe.calls} Azure calls in ${report.probe.waves} round trips (${report.probe.elapsedMs} ms)${withTimeline}.`,
  );
  return lines.join("\n") + "\n";
}
