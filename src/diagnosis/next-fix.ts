// Which runbook a recovery runs first when a diagnosis names several: the terminal, Slack and the CLI all ask here, so
// they cannot disagree about what comes next.
import { RECOVERY_ORDER } from "../runbooks/catalogue.js";
import type { Finding, RunbookId } from "./types.js";

function orderOf(finding: Finding): number {
  const at = (RECOVERY_ORDER as readonly (RunbookId | null)[]).indexOf(finding.runbook);
  return at === -1 ? RECOVERY_ORDER.length : at;
}

/**
 * The finding whose runbook to run next: among critical findings the one earliest in RECOVERY_ORDER; with nothing
 * critical, the first warning's (only before anything ran: a recovery never goes on to rotate a key that merely
 * expires soon). `done`: runbooks already run in this recovery.
 */
export function nextFix(findings: readonly Finding[], done: ReadonlySet<RunbookId> = new Set()): Finding | undefined {
  const fixable = findings.filter((f) => f.runbook !== null && f.severity !== "info" && !done.has(f.runbook));
  const critical = fixable.filter((f) => f.severity === "critical").sort((a, b) => orderOf(a) - orderOf(b));
  return critical[0] ?? (done.size === 0 ? fixable.find((f) => f.severity === "warning") : undefined);
}
