// A change: records its before-state and rollback first, invokes the change actor, then goes to its verify step
// naming the exact command that ran. A refusal by Azure goes to the runbook's other way, a stale approval back to the
// check that planned it, any other error to `failed`.
import type { RunbookContext } from "../run-context.js";
import type { ChangeStep, StepInput } from "../steps.js";
import { stepInput } from "./step-input.js";
import { ABORT, action, guard } from "./refs.js";

export function changeState(step: ChangeStep): Record<string, unknown> {
  const stepId = step.id;
  return {
    description: step.meta.why,
    meta: step.meta,
    tags: ["busy", "change"],
    entry: action("recordBefore", { stepId }),
    invoke: {
      id: stepId,
      src: step.actor,
      input: ({ context }: { context: RunbookContext }): StepInput => stepInput(context, stepId),
      onDone: {
        target: step.next,
        actions: [
          action("recordOutput", { stepId, target: step.next, clearDeadline: false }),
          action("noteApprovedCommand", { stepId }),
          action("noteNothingToUndo", { stepId }),
        ],
      },
      onError: [
        ...(step.refused
          ? [
              {
                guard: guard("refusedByAzure"),
                target: step.refused,
                description: "refused by Azure",
                actions: action("recordRefusal", { stepId }),
              },
            ]
          : []),
        {
          guard: guard("approvalIsStale"),
          target: step.recheck,
          description: "stale approval",
          actions: action("voidStaleApproval", { stepId }),
        },
        { target: "failed", actions: action("recordError", { stepId }) },
      ],
    },
    on: { ABORT },
  };
}
