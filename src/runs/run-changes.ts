// What the audit log says around a change step: "change-start" when the machine enters it, "change-end" (succeeded,
// or failed with the Azure error's cause) when it leaves, with the request ids of the Azure writes in between.
import type { AnyMachineSnapshot } from "xstate";
import type { RunbookContextBase, RunbookDefinition } from "../machines/protocol.js";
import type { JournalEntry } from "./run-journal.js";
import type { MachineFacts } from "./run-view.js";

export interface ChangeInProgress {
  stateId: string;
  errorBefore: string | undefined;
  requestIds: string[];
}

export interface ChangeEntry {
  entry: JournalEntry;
  details: Record<string, unknown>;
  requestId?: string;
}

export function factsOf(snapshot: AnyMachineSnapshot, crashed?: string): MachineFacts {
  const value = typeof snapshot.value === "string" ? snapshot.value : JSON.stringify(snapshot.value);
  return {
    value,
    final: snapshot.status === "done",
    ...(crashed !== undefined ? { crashed } : {}),
    tags: [...snapshot.tags],
    hasChildren: Object.keys(snapshot.children).length > 0,
    context: snapshot.context as RunbookContextBase,
  };
}

export function changeStart(
  runId: string,
  actor: string,
  definition: RunbookDefinition,
  facts: MachineFacts,
  resumed: boolean,
): { change: ChangeInProgress; audit: ChangeEntry } {
  return {
    change: { stateId: facts.value, errorBefore: JSON.stringify(facts.context.lastError), requestIds: [] },
    audit: {
      entry: { runId, actor, action: "change-start", outcome: "started" },
      details: {
        step: facts.value,
        title: definition.steps.find((step) => step.id === facts.value)?.title ?? facts.value,
        resumed,
      },
    },
  };
}

/** The change failed when the machine's last error is new since it began. */
export function changeEnd(runId: string, actor: string, change: ChangeInProgress, facts: MachineFacts): ChangeEntry {
  const error = facts.context.lastError;
  const failed = error !== undefined && JSON.stringify(error) !== change.errorBefore;
  const requestId = failed && error?.requestId ? error.requestId : change.requestIds[change.requestIds.length - 1];
  return {
    entry: { runId, actor, action: "change-end", outcome: failed ? `failed: ${error!.cause}` : "succeeded" },
    details: {
      step: change.stateId,
      next: facts.value,
      requestIds: [...change.requestIds],
      ...(failed ? { error: error!.message } : {}),
    },
    ...(requestId !== undefined ? { requestId } : {}),
  };
}
