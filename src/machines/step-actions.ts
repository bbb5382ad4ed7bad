// What a step actor's answer writes into the run: its evidence, facts, plans and log, the exact `az` command the run
// used, the before-state and rollback of a change, and the stop reason when a step fails. Named actions; the step
// builders in states/ pass the step ids as params.
import { accessAzFor, fillAz } from "./az.js";
import type { RunFacts } from "./facts.js";
import type { ActionArgs, DoneEvent, ErrorEvent, RunbookContext } from "./run-context.js";
import { update, type RunStamps } from "./run-log.js";
import { describeError } from "./step-errors.js";
import type { RunbookSpec } from "./steps.js";

/** The `az` form each access-dependent step shows for this run, once the run knows the vault's model. */
function stepAzOf(spec: RunbookSpec, facts: RunFacts): Record<string, string> | undefined {
  const entries = spec.steps.flatMap((s) => {
    const az = s.azByAccess ? accessAzFor(s.azByAccess, facts) : undefined;
    return az ? [[s.id, az] as const] : [];
  });
  return entries.length ? Object.fromEntries(entries) : undefined;
}

function failureOf(stepId: string, event: ActionArgs["event"]): NonNullable<RunbookContext["lastError"]> {
  const { cause, message, requestId } = describeError((event as ErrorEvent).error);
  return requestId ? { step: stepId, cause, message, requestId } : { step: stepId, cause, message };
}

export function stepActions(spec: RunbookSpec, stamps: RunStamps) {
  const stepById = (id: string) => spec.steps.find((s) => s.id === id);
  return {
    /** A step answered: keep what it found, and the stop reason when its outcome leads to `failed`. */
    recordOutput: update<{ stepId: string; target: string; clearDeadline: boolean }>(({ context, event }, params) => {
      const { stepId, target } = params;
      const step = stepById(stepId);
      const output = (event as DoneEvent).output;
      const plans = { ...context.plans };
      for (const plan of output.plans ?? []) plans[plan.stepId] = plan;
      const inputs = { ...context.inputs };
      if (output.input) inputs[stepById(target)?.type === "input" ? target : output.input.stepId] = output.input;
      let log = context.log;
      for (const line of output.log ?? []) log = stamps.log(context, "info", line, log);
      const facts = { ...context.facts, ...output.facts };
      const evidence = [...(output.evidence ?? [])];
      // Checks and verifications whose command depends on the vault's model name the exact one this run used.
      const exact = step?.type === "invoke" && step.azByAccess ? accessAzFor(step.azByAccess, facts) : undefined;
      if (exact) evidence.push(`Equivalent command: ${fillAz(exact, context.target, facts)}`);
      const stepAz = stepAzOf(spec, facts);
      const changes: Partial<RunbookContext> = {
        evidence: { ...context.evidence, [stepId]: evidence },
        facts,
        plans,
        candidates: { ...context.candidates, ...output.candidates },
        inputs,
        log,
        ...(stepAz ? { stepAz } : {}),
      };
      if (output.rollback?.length) {
        // A command known only after the change ran (the created role assignment's id) supersedes the plan's preview.
        const preview = step?.type === "change" ? context.plans[stepId]?.rollback : undefined;
        const kept = context.rollback.filter((c) => c !== preview);
        changes.rollback = [...kept, ...output.rollback.filter((c) => !kept.includes(c))];
      }
      if (output.caveat) {
        changes.caveats = [...(context.caveats ?? []), output.caveat];
        changes.log = stamps.log(context, "warn", output.caveat, log);
      }
      if (output.final) changes.outcome = output.final;
      if (params.clearDeadline) changes.deadline = undefined;
      if (target === "failed") {
        const message = output.message ?? `step ${stepId} ended with ${output.outcome}`;
        changes.lastError = { step: stepId, cause: output.outcome, message };
        changes.log = stamps.log(context, "error", message, log);
      }
      return changes;
    }),

    /** The actor answered with an outcome its step does not name: a programming error, stopped at. */
    recordUnexpectedOutcome: update<{ stepId: string }>(({ context, event }, { stepId }) => {
      const message = `${stepId} returned an unexpected outcome "${(event as DoneEvent).output?.outcome}"`;
      return {
        lastError: { step: stepId, cause: "unexpected-outcome", message },
        log: stamps.log(context, "error", message),
      };
    }),

    /** The actor threw: the run stops at this step with the cause, message and request id. */
    recordError: update<{ stepId: string }>(({ context, event }, { stepId }) => {
      const lastError = failureOf(stepId, event);
      return { lastError, log: stamps.log(context, "error", `${stepId}: ${lastError.message}`) };
    }),

    /** A change starts: its before-state and its rollback command are recorded first. */
    recordBefore: update<{ stepId: string }>(({ context }, { stepId }) => {
      const plan = context.plans[stepId];
      if (!plan) return {};
      return {
        before: { ...context.before, [stepId]: plan.beforeState },
        rollback:
          plan.rollback && !context.rollback.includes(plan.rollback)
            ? [...context.rollback, plan.rollback]
            : context.rollback,
      };
    }),

    /** The step table shows the template; the evidence names the exact command this run approved. */
    noteApprovedCommand: update<{ stepId: string }>(({ context }, { stepId }) => {
      const az = context.plans[stepId]?.az;
      const evidence = context.evidence[stepId] ?? [];
      return az ? { evidence: { ...context.evidence, [stepId]: [...evidence, `Equivalent command: ${az}`] } } : {};
    }),

    /** A recovery has no rollback command; the run says so instead of leaving the question open. */
    noteNothingToUndo: update<{ stepId: string }>(({ context }, { stepId }) => {
      const reason = context.plans[stepId]?.noUndo;
      if (!reason) return {};
      const line = `Nothing to undo: ${reason}`;
      const evidence = context.evidence[stepId] ?? [];
      return {
        evidence: { ...context.evidence, [stepId]: [...evidence, line] },
        log: stamps.log(context, "info", `${stepId}: ${line}`),
      };
    }),

    /** Azure refused the change: nothing changed, so its rollback does not apply; the audit sees the refusal. */
    recordRefusal: update<{ stepId: string }>(({ context, event }, { stepId }) => {
      const plan = context.plans[stepId];
      const lastError = failureOf(stepId, event);
      return {
        rollback: context.rollback.filter((c) => c !== plan?.rollback),
        lastError,
        evidence: { ...context.evidence, [stepId]: [lastError.message] },
        log: stamps.log(context, "warn", `${stepId}: ${lastError.message}`),
      };
    }),

    /** The approval no longer matches Azure: the change did not run, its rollback no longer applies. */
    voidStaleApproval: update<{ stepId: string }>(({ context, event }, { stepId }) => {
      const plan = context.plans[stepId];
      return {
        rollback: context.rollback.filter((c) => c !== plan?.rollback),
        log: stamps.log(context, "warn", `${describeError((event as ErrorEvent).error).message} Checking again.`),
      };
    }),
  };
}
