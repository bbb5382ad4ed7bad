// What an invoked step actor is given: the run's target, facts and choices, and for a change (or the verify after
// it) the approved plan and the fingerprint its approver saw.
import type { RunbookContext } from "../run-context.js";
import type { StepInput } from "../steps.js";

export function stepInput(context: RunbookContext, stepId: string, planStepId = stepId): StepInput {
  return {
    stepId,
    target: context.target,
    requester: context.requester,
    startedAt: context.startedAt,
    invocation: context.invocation ?? "acr-cmk",
    facts: context.facts,
    choices: context.choices,
    plan: context.plans[planStepId],
    approvedFingerprint: context.approved[stepId]?.fingerprint,
  };
}
