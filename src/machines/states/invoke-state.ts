// check, verify and manual steps: invoke the step's actor, branch on its outcome; an outcome the step does not name
// and any error stop the run at `failed`. A wait's poll step also takes the engine's DEADLINE.
import type { RunbookContext } from "../run-context.js";
import type { InvokeStep, RunbookSpec, StepInput } from "../steps.js";
import { stepInput } from "./step-input.js";
import { ABORT, action, guard } from "./refs.js";

export function invokeState(step: InvokeStep, spec: RunbookSpec): Record<string, unknown> {
  const waits = spec.steps.filter((s) => s.type === "wait" && s.poll === step.id);
  const verified = spec.steps.find((s) => s.type === "change" && s.next === step.id);
  const onDone: Array<Record<string, unknown>> = Object.entries(step.on).map(([outcome, target]) => ({
    guard: guard("outcomeIs", { outcome }),
    target,
    description: outcome,
    actions: action("recordOutput", {
      stepId: step.id,
      target,
      // Leaving a wait's poll for anywhere but the wait ends the wait.
      clearDeadline: waits.length > 0 && !waits.some((w) => w.id === target),
    }),
  }));
  onDone.push({
    target: "failed",
    description: "unexpected outcome",
    actions: action("recordUnexpectedOutcome", { stepId: step.id }),
  });
  return {
    description: step.meta.why,
    meta: step.meta,
    tags: ["busy"],
    invoke: {
      id: step.id,
      src: step.actor,
      // Verify steps see the plan of the change they verify.
      input: ({ context }: { context: RunbookContext }): StepInput =>
        stepInput(context, step.id, verified?.id ?? step.id),
      onDone,
      onError: { target: "failed", actions: action("recordError", { stepId: step.id }) },
    },
    on: {
      ABORT,
      ...(step.deadlineTarget
        ? {
            DEADLINE: {
              target: step.deadlineTarget,
              actions: action("deadlinePassed", { target: step.deadlineTarget }),
            },
          }
        : {}),
    },
  };
}
