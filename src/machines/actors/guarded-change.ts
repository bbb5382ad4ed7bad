// The shape of every change actor (protocol.ts): already in place → nothing to do (a resume after a crash); Azure
// moved on since the approval → the approval is void; else apply.
import type { CmkAzure } from "../../azure/types.js";
import { StaleApprovalError } from "../step-errors.js";
import type { StepFn, StepInput, StepOutput } from "../steps.js";

/** Runs a change the way protocol.ts asks: already in place → nothing; state moved on → stale; else apply. */
export function guardedChangeFn<V>(options: {
  read: (azure: CmkAzure, input: StepInput, signal: AbortSignal) => Promise<V>;
  fingerprintOf: (view: V) => string;
  done: (view: V, input: StepInput) => boolean;
  apply: (azure: CmkAzure, input: StepInput, view: V, signal: AbortSignal) => Promise<Omit<StepOutput, "outcome">>;
  describeDone: string;
}): StepFn {
  return async (azure, input, signal) => {
    const view = await options.read(azure, input, signal);
    if (options.done(view, input)) {
      return { outcome: "done", evidence: [`Already in place: ${options.describeDone}. Nothing changed.`] };
    }
    if (!input.approvedFingerprint || options.fingerprintOf(view) !== input.approvedFingerprint) {
      throw new StaleApprovalError(
        `The Azure state changed since "${input.plan?.title ?? input.stepId}" was approved (someone else may be working on it); the approval is void.`,
      );
    }
    const result = await options.apply(azure, input, view, signal);
    return { outcome: "done", ...result };
  };
}
