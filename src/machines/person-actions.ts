// What a person's answer writes into the run: an approval request shown and answered, a choice asked and made, a
// retry, an abort. Named actions; the step builders in states/ pass the step ids as params.
import type { EventOf, RunbookContext } from "./run-context.js";
import { update, type RunStamps } from "./run-log.js";
import type { ChangePlan, InputStep, RunbookSpec } from "./steps.js";

export function personActions(spec: RunbookSpec, stamps: RunStamps) {
  const inputStep = (id: string) => spec.steps.find((s): s is InputStep => s.type === "input" && s.id === id);
  return {
    /** The approval state shows the plan of the change it gates. */
    requestApproval: update<{ change: string }>(({ context }, { change }) => {
      const plan = context.plans[change];
      if (!plan) return {};
      return {
        pendingApproval: {
          stepId: plan.stepId,
          title: plan.title,
          resource: plan.resource,
          before: plan.before,
          after: plan.after,
          az: plan.az,
          risk: plan.risk,
          irreversible: plan.irreversible,
          fingerprint: plan.fingerprint,
          ...(plan.blastRadius ? { blastRadius: plan.blastRadius } : {}),
          ...(plan.confirmText ? { confirmText: plan.confirmText } : {}),
        },
      };
    }),

    clearApproval: update(() => ({ pendingApproval: undefined })),

    /** Nothing to show the approver means nothing may be approved: stop, and let RETRY run the check again. */
    stopWithoutPlan: update<{ change: string; check: string }>(({ context }, { change, check }) => {
      const message = `No change was planned for ${change}; run the check again (RETRY).`;
      return { lastError: { step: check, cause: "no-plan", message }, log: stamps.log(context, "error", message) };
    }),

    recordApproval: update<{ change: string }>(({ context, event }, { change }) => {
      const e = event as EventOf<"APPROVE">;
      return {
        approved: { ...context.approved, [change]: { by: e.by, at: stamps.at(), fingerprint: e.fingerprint } },
        log: stamps.log(context, "info", `${e.by} approved ${change}`),
      };
    }),

    recordRejection: update<{ change: string }>(({ context, event }, { change }) => {
      const e = event as EventOf<"REJECT">;
      return {
        // Exit actions run first: pendingApproval is already cleared here, the plan is not.
        outcome: {
          summary: `${e.by} rejected "${context.plans[change]?.title ?? change}": ${e.reason}`,
          nextSteps: [],
        },
        log: stamps.log(context, "warn", `${e.by} rejected ${change}: ${e.reason}`),
      };
    }),

    /** The approver switches the change to an alternative plan (e.g. "switch-to-automatic"). */
    switchPlan: update<{ value: string; key: string; change: string }>(
      ({ context, event }, { value, key, change }) => ({
        plans: { ...context.plans, [change]: context.candidates[key] as ChangePlan },
        log: stamps.log(context, "info", `${(event as EventOf<"INPUT">).by} chose "${value}" for ${change}`),
      }),
    ),

    /** The input state asks what an earlier step offered, else its own options. */
    askInput: update<{ stepId: string }>(({ context }, { stepId }) => {
      const step = inputStep(stepId);
      return {
        pendingInput: context.inputs[stepId] ?? {
          stepId,
          prompt: step?.prompt ?? "",
          options: step?.options ?? [],
          ...(step?.defaultOption ? { defaultOption: step.defaultOption } : {}),
        },
      };
    }),

    clearInput: update(() => ({ pendingInput: undefined })),

    /** The operator chose `value` (the event's, when the step takes any offered option) on the way to `target`. */
    recordChoice: update<{ stepId: string; target: string; value?: string }>(({ context, event }, params) => {
      const e = event as EventOf<"INPUT">;
      const value = params.value ?? e.value;
      const planFor = inputStep(params.stepId)?.planFor;
      const candidate = planFor ? context.candidates[value] : undefined;
      const changes: Partial<RunbookContext> = {
        // A refusal that led here stays the reason only if the operator chooses to stop on it.
        ...(params.target === "failed" ? {} : { lastError: undefined }),
        choices: { ...context.choices, [params.stepId]: value },
        ...(planFor && candidate ? { plans: { ...context.plans, [planFor]: candidate } } : {}),
        log: stamps.log(context, "info", `${e.by} chose "${value}" at ${params.stepId}`),
      };
      return changes;
    }),

    retry: update<{ stepId: string }>(({ context, event }, { stepId }) => ({
      lastError: undefined,
      log: stamps.log(context, "info", `${(event as EventOf<"RETRY">).by} retried ${stepId}`),
    })),

    abort: update(({ context, event }) => {
      const e = event as EventOf<"ABORT">;
      return {
        pendingApproval: undefined,
        pendingInput: undefined,
        deadline: undefined,
        outcome: {
          summary: `Aborted by ${e.by}: ${e.reason}`,
          nextSteps: context.rollback.length
            ? ["Changes made before the abort can be undone with the rollback commands listed."]
            : [],
        },
        log: stamps.log(context, "warn", `Aborted by ${e.by}: ${e.reason}`),
      };
    }),
  };
}
