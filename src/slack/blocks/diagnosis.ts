// A diagnosis report as the incident channel reads it: healthy or not, findings by severity, the runbook to run.
import type { DiagnosisReport } from "../../diagnosis/diagnose.js";
import type { Finding, Severity } from "../../diagnosis/types.js";
import { slackRunSubcommand } from "../../runbooks/catalogue.js";
import { code, context, escapeText, header, section, type Block } from "./mrkdwn.js";
import type { SlackMessage } from "./run-message.js";

const SEVERITY_MARK: Record<Severity, string> = {
  critical: ":red_circle:",
  warning: ":large_yellow_circle:",
  info: ":information_source:",
};

/** Block Kit caps a message at 50 blocks; a report never needs more than this many findings on screen. */
const MAX_FINDINGS = 20;

function findingText(finding: Finding, target: string): string {
  const runbook = finding.runbook
    ? `\nFix: \`/acr-cmk ${slackRunSubcommand(finding.runbook)} ${escapeText(target)}\``
    : "";
  const cause = finding.cause ? `\n:arrow_left: Caused by: ${escapeText(finding.cause)}` : "";
  return `${SEVERITY_MARK[finding.severity]} *${escapeText(finding.title)}* ${code(finding.id)}\n${escapeText(finding.detail)}${cause}${runbook}`;
}

/** Enough of the timeline for the channel: a section holds 3000 characters. */
const MAX_TIMELINE_LINES = 8;

/** The changes newest first, the first failing unwrap, and the sources that could not be read. */
function timelineText(report: DiagnosisReport): string | null {
  const { timeline, timelineInfo: info } = report;
  if (!timeline || !info) return null;
  const lines = timeline.slice(0, MAX_TIMELINE_LINES).map((e) => {
    const when = `${e.time.slice(0, 10)} ${e.time.slice(11, 16)}`;
    return `• ${when} · ${escapeText(e.actor ?? "unknown")} · ${escapeText(e.detail)}${e.client ? ` (${escapeText(e.client)})` : ""}`;
  });
  if (timeline.length === 0) lines.push("No changes found in the sources that could be read.");
  if (timeline.length > MAX_TIMELINE_LINES)
    lines.push(`_${timeline.length - MAX_TIMELINE_LINES} older: \`acr-cmk diagnose\` shows them all._`);
  for (const s of info.sources.filter((x) => !x.read)) {
    lines.push(
      `:warning: Not read: ${escapeText(s.source)}: ${escapeText(s.reason ?? "unknown reason")}${s.role ? ` (grant ${escapeText(s.role)})` : ""}`,
    );
  }
  for (const s of info.sources.filter((x) => x.read && x.note)) {
    lines.push(`:information_source: ${escapeText(s.source)}: ${escapeText(s.note ?? "")}`);
  }
  return `*Timeline* since ${info.since.slice(0, 16).replace("T", " ")} UTC, newest first\n${lines.join("\n")}`.slice(
    0,
    3000,
  );
}

export function renderDiagnosis(report: DiagnosisReport, requestedBy: string): SlackMessage {
  const target = `${report.registry.resourceGroup}/${report.registry.name}`;
  const problems = report.findings.filter((finding) => finding.severity !== "info");
  const verdict = report.healthy
    ? ":large_green_circle: *Healthy*: the registry's customer-managed key setup has no problems."
    : `:red_circle: *${problems.length} problem${problems.length === 1 ? "" : "s"} found.*`;
  const encryption = report.registry.encryption;
  const blocks: Block[] = [
    header(`Diagnosis · ${target}`),
    section(verdict),
    context(
      [
        `CMK ${encryption.status}`,
        encryption.keyIdentifier ? `key ${code(encryption.keyIdentifier)}` : "",
        encryption.rotation ? `rotation ${encryption.rotation}` : "",
        `asked by <@${requestedBy}>`,
      ]
        .filter(Boolean)
        .join(" · "),
    ),
  ];
  for (const finding of report.findings.slice(0, MAX_FINDINGS)) blocks.push(section(findingText(finding, target)));
  if (report.findings.length > MAX_FINDINGS) {
    blocks.push(context(`${report.findings.length - MAX_FINDINGS} more findings: run \`acr-cmk diagnose\` for all.`));
  }
  const timeline = timelineText(report);
  if (timeline) blocks.push(section(timeline));
  const text = report.healthy ? `${target} is healthy` : `${target}: ${problems.map((f) => f.id).join(", ")}`;
  return { text, blocks };
}
