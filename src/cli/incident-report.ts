// `acr-cmk runs show <id> --format md`: the run as an incident report to paste into a postmortem. What happened (the
// change that caused it, from the diagnosis' timeline), the findings, who approved what and when, each change with
// its Azure request ids and Azure CLI equivalent, and how to undo them. Pure: a run view and its audit trail in,
// Markdown out.
import { undoOrder } from "../runs/undo.js";
import type { AuditEntry, RunView } from "../runs/types.js";
import { describePlace } from "../runs/run-place.js";
import { targetPath } from "../machines/target.js";

/** A table cell: one line, pipes escaped (https://github.github.com/gfm/#tables-extension-). */
function cell(value: unknown): string {
  const text = value === undefined || value === null || value === "" ? "—" : String(value);
  return text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
}

function table(header: string[], rows: unknown[][]): string[] {
  if (rows.length === 0) return ["_None._"];
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${row.map(cell).join(" | ")} |`),
  ];
}

const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;

function detail(entry: AuditEntry, key: string): unknown {
  return entry.details[key];
}

function approvals(trail: AuditEntry[]): string[] {
  const decisions = trail.filter((e) => e.action === "approve" || e.action === "reject" || e.action === "input");
  return table(
    ["When (UTC)", "Who", "Decision", "Step", "Change"],
    decisions.map((e) => [
      utc(e.at),
      e.actor,
      e.action === "input" ? `chose ${String(detail(e, "value") ?? "")}` : e.outcome,
      detail(e, "title") ?? detail(e, "step"),
      detail(e, "before") !== undefined ? `${String(detail(e, "before"))} → ${String(detail(e, "after"))}` : "",
    ]),
  );
}

function changes(view: RunView, trail: AuditEntry[]): string[] {
  const ends = trail.filter((e) => e.action === "change-end");
  return table(
    ["When (UTC)", "Step", "Outcome", "Approved by", "Azure request ids", "Azure CLI equivalent"],
    ends.map((e) => {
      const stepId = String(detail(e, "step") ?? "");
      const step = view.steps.find((s) => s.id === stepId);
      const ids = Array.isArray(detail(e, "requestIds")) ? (detail(e, "requestIds") as unknown[]).map(String) : [];
      return [
        utc(e.at),
        step?.title ?? stepId,
        e.outcome,
        e.actor,
        ids.length ? ids.map((id) => `\`${id}\``).join(", ") : "",
        step?.az ? `\`${step.az}\`` : "",
      ];
    }),
  );
}

export function renderIncidentReport(view: RunView, trail: AuditEntry[]): string {
  const { target, incident } = view;
  const lines = [
    `# Incident report: ${view.runbook} on ${targetPath(target)}`,
    "",
    `- Run \`${view.id}\`, status **${view.status}**, requested by ${view.requester} via ${view.driver}`,
    `- Started ${utc(view.startedAt)} UTC, last updated ${utc(view.updatedAt)} UTC`,
    `- Acts in ${view.place ? describePlace(view.place) : "a place not recorded"}, subscription \`${target.subscriptionId}\``,
    "",
    "## What happened",
    "",
    incident?.undoes
      ? `${incident.undoes.summary}. This run undoes that change.`
      : incident
        ? "The diagnosis found no change in the timeline that explains the incident (see the sources below)."
        : "The run was started without a diagnosis, so no timeline was kept with it.",
    "",
  ];
  if (view.outcome) {
    lines.push(`**Outcome:** ${view.outcome.summary}`, "");
    if (view.outcome.nextSteps.length) lines.push(...view.outcome.nextSteps.map((s) => `- Next: ${s}`), "");
  }
  if (incident) {
    lines.push(`## Timeline (newest first, as diagnosed at ${utc(incident.diagnosedAt)} UTC)`, "");
    lines.push(
      ...table(
        ["When (UTC)", "Who", "What", "Client", "Source"],
        incident.timeline.map((e) => [utc(e.time), e.actor, e.detail, e.client, e.source]),
      ),
      "",
      "## Findings when the run started",
      "",
      ...table(
        ["Severity", "Finding", "What", "Caused by"],
        incident.findings.map((f) => [f.severity, `\`${f.id}\``, f.title, f.cause]),
      ),
      "",
    );
  }
  lines.push("## Approvals", "", ...approvals(trail), "", "## Changes made", "", ...changes(view, trail), "");
  lines.push("## Steps", "");
  for (const step of view.steps) lines.push(`- [${step.status}] ${step.title}${step.az ? ` — \`${step.az}\`` : ""}`);
  lines.push("", "## Undo", "");
  const undo = undoOrder(view);
  if (undo.length === 0) lines.push("Nothing to undo: the run changed nothing that has an undo.");
  else lines.push("Run these, in this order (newest change first):", "", "```sh", ...undo, "```");
  return `${lines.join("\n")}\n`;
}
