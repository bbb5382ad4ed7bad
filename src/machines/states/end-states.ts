// The states every runbook shares after its steps: `failed`, a resumable stop (RETRY goes back to the step that
// failed, ABORT ends the run), and the final states, each with an outcome that says what that end means.
import type { FinalStateId } from "../run-actions.js";
import { FAILED_META, FINAL_META } from "../steps.js";
import { ABORT, action, guard } from "./refs.js";

export function failedState(retryable: readonly string[]): Record<string, unknown> {
  return {
    description: FAILED_META.why,
    meta: FAILED_META,
    on: {
      RETRY: retryable.map((id) => ({
        guard: guard("failedAt", { step: id }),
        target: id,
        actions: action("retry", { stepId: id }),
      })),
      ABORT,
    },
  };
}

/** The final states, in FINAL_META's order (the order docs and diagrams list them). */
export function finalStates(): Record<string, Record<string, unknown>> {
  const ids = Object.keys(FINAL_META) as FinalStateId[];
  return Object.fromEntries(
    ids.map((id) => [
      id,
      { type: "final", description: FINAL_META[id].why, meta: FINAL_META[id], entry: action("settleOutcome", { id }) },
    ]),
  );
}
