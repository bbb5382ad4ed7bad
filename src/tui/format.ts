// Plain text helpers the components share: words for states and the commands a person types next.
import type { RunStatus, RunView } from "../runs/types.js";
import type { Finding, Severity } from "../diagnosis/types.js";
import { endedOrStopped } from "../runs/run-status.js";
import { nextFix } from "../diagnosis/next-fix.js";
import { formatEvidence } from "../diagnosis/report-text.js";
import type { TuiSession } from "./types.js";

export const SEVERITY_ORDER: readonly Severity[] = ["critical", "warning", "info"];

export function sortBySeverity(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
}

/** The runbook the diagnosis recommends: the one a recovery runs first (src/diagnosis/next-fix.ts). */
export function recommendedRunbook(findings: readonly Finding[]): Finding | undefined {
  return nextFix(findings);
}

const STATUS_WORDS: Record<RunStatus, string> = {
  running: "running",
  "awaiting-approval": "waiting for your approval",
  "awaiting-input": "waiting for your choice",
  waiting: "waiting for Azure",
  succeeded: "recovered",
  unrecoverable: "cannot be recovered here",
  escalated: "escalated to Microsoft support",
  rejected: "rejected",
  aborted: "aborted",
  failed: "stopped at an error",
  stopped: "stopped (resumable)",
};

export function statusWords(status: RunStatus): string {
  return STATUS_WORDS[status];
}

export function isFinal(view: Pick<RunView, "status">): boolean {
  return endedOrStopped(view.status);
}

/** The command that picks a run up again; `invocation` is how acr-cmk is run here (with `--sandbox <file>`, say). */
export function resumeCommand(runId: string, invocation = "acr-cmk"): string {
  return `${invocation} runs resume ${runId}`;
}

/** Elapsed time as a person reads it: 4s, 1m 05s, 1h 02m. */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`;
}

/** Evidence as the plain report prints it: flattened `field.path=value` pairs, long values cut, never raw JSON. */
export function evidenceLine(evidence: Record<string, unknown>): string {
  return formatEvidence(evidence).join("; ");
}

export function truncate(text: string, width: number): string {
  if (width <= 0) return "";
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** `rg/name` of a registry or of a container group (a run's target may be either). */
export function targetLabel(target: { resourceGroup: string; registry?: string; containerGroup?: string }): string {
  return `${target.resourceGroup}/${target.registry ?? target.containerGroup ?? ""}`;
}

const AUTOMATIC_WORDS = { only: "the only subscription", "only-enabled": "the only enabled subscription" } as const;

/**
 * The subscription a screen works in, for its header: a chosen one by name (and why it was taken without asking) with
 * its id; one given on the command line by id.
 */
export function subscriptionDetail(session: Pick<TuiSession, "subscriptionId" | "chosenSubscription">): string {
  const chosen = session.chosenSubscription;
  if (!chosen) return `subscription ${session.subscriptionId}`;
  const why = chosen.automatic ? ` (${AUTOMATIC_WORDS[chosen.automatic]})` : "";
  return `${chosen.choice.displayName}${why} · ${session.subscriptionId}`;
}

/** A run acts only through its own subscription's port: runs of another subscription are not resumed from here. */
export function inSubscription(run: { target: { subscriptionId: string } }, subscriptionId: string): boolean {
  return run.target.subscriptionId.toLowerCase() === subscriptionId.toLowerCase();
}
