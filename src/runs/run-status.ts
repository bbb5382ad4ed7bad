// What a run's status means for the people and processes around it. Decided here only, so the engine, the terminal,
// Slack and the plain driver cannot disagree about whether a run has ended or waits for someone.
import type { RunRecord } from "./run-store.js";
import { RunRefused, type RunStatus, type RunView } from "./types.js";

/** Statuses a run never leaves: it takes no more events. ("failed" is not one: a run stopped at an error can RETRY.) */
export const ENDED_STATUSES: readonly RunStatus[] = ["succeeded", "unrecoverable", "escalated", "rejected", "aborted"];

export function hasEnded(status: RunStatus): boolean {
  return ENDED_STATUSES.includes(status);
}

/**
 * A stored run that takes no more events: its machine reached a final state or crashed, or it was closed without its
 * machine (aborted after its sandbox was gone).
 */
export function endedAsStored(record: Pick<RunRecord, "snapshot" | "crashed" | "status">): boolean {
  const snapshot = record.snapshot as { status?: string } | null;
  return (snapshot !== null && (snapshot.status === "done" || record.crashed !== undefined)) || hasEnded(record.status);
}

/** The run has ended or stopped at an error: nothing moves it until a person acts (or nothing ever will). */
export function endedOrStopped(status: RunStatus): boolean {
  return hasEnded(status) || status === "failed";
}

/**
 * Nothing is in flight while a run waits for a person (an approval, a choice, a retry after an Azure error), so another
 * process may take it over: `acr-cmk runs abort` while the Slack app holds the run, or a second app. A run that crashed
 * on an internal error waits for nobody.
 */
export function waitsForPerson(view: Pick<RunView, "status" | "error">): boolean {
  if (view.status === "awaiting-approval" || view.status === "awaiting-input") return true;
  return view.status === "failed" && view.error !== undefined && view.error.cause !== "internal";
}

/** Why an event for a run that is not waiting for it is refused. */
export function notAwaiting(view: RunView, what: string): RunRefused {
  if (hasEnded(view.status)) {
    return new RunRefused(`Run ${view.id} has ended (${view.status}); it takes no more events.`, "final");
  }
  return new RunRefused(`Run ${view.id} is not waiting for ${what} (it is ${view.status}).`, "not-awaiting");
}
