// What a run keeps of the diagnosis that started it: the findings, the timeline, and the change its steps undo
// (the cause of the finding whose runbook it is), so approvals can say whose change they reverse and the incident
// report can be written after the fact.
import type { DiagnosisReport } from "../diagnose.js";
import type { Finding, RunbookId } from "../types.js";
import type { TimelineEntry } from "./types.js";

export interface ChangeUndone {
  timelineId: string;
  /** "key acr-cmk deleted by alice@contoso.com at 02:14 UTC on … with the Azure CLI" */
  summary: string;
  actor: string | null;
  time: string;
}

export interface IncidentSummary {
  diagnosedAt: string;
  findings: Array<Pick<Finding, "id" | "severity" | "title" | "causedBy" | "cause">>;
  timeline: TimelineEntry[];
  undoes?: ChangeUndone;
}

/** A run keeps at most this many timeline entries (the incident report's; diagnose --output json has them all). */
const MAX_ENTRIES = 50;

export function incidentFor(
  report: Pick<DiagnosisReport, "findings" | "timeline">,
  runbook: RunbookId,
  now: Date = new Date(),
): IncidentSummary {
  const timeline = (report.timeline ?? []).slice(0, MAX_ENTRIES);
  const fixed = report.findings.find((f) => f.runbook === runbook && f.causedBy && f.cause);
  const entry = fixed ? report.timeline?.find((e) => e.id === fixed.causedBy) : undefined;
  return {
    diagnosedAt: now.toISOString(),
    findings: report.findings.map(({ id, severity, title, causedBy, cause }) => ({
      id,
      severity,
      title,
      ...(causedBy ? { causedBy } : {}),
      ...(cause ? { cause } : {}),
    })),
    timeline,
    ...(fixed && entry && fixed.cause
      ? { undoes: { timelineId: entry.id, summary: fixed.cause, actor: entry.actor, time: entry.time } }
      : {}),
  };
}
