// Turns a runbook's step list into an XState v5 machine that follows protocol.ts: flat states, `meta` and
// `description` everywhere, tags for the engine, approval bound to a fingerprint, before-state and rollback recorded
// ahead of each change, every invoke with onError, ABORT everywhere, `failed` as a resumable stop.
import { assign, fromPromise, setup, type AnyStateMachine } from "xstate";
import type { CmkAzure } from "../azure/types.js";
import type { InputRequest, StepMeta } from "./meta.js";
import type {
  RunbookActorOptions,
  RunbookContextBase,
  RunbookDefinition,
  RunbookEvent,
  RunbookInput,
} from "./protocol.js";
import { accessAzFor, fillAz } from "./az.js";
import type { RunFacts } from "./facts.js";
import { describeError } from "./step-errors.js";
import {
  FAILED_META,
  FINAL_META,
  type ChangePlan,
  type RunbookSpec,
  type StepFn,
  type StepInput,
  type StepOutput,
  type StepSpec,
} from "./steps.js";

export interface RunbookContext extends RunbookContextBase {
  startedAt: string;
  facts: RunFacts;
  /** Plans for approval states, by change step id. */
  plans: Record<string, ChangePlan>;
  /** Alternative plans an input or approval may switch to. */
  candidates: Record<string, ChangePlan>;
  /** Options for input states, by input step id. */
  inputs: Record<string, InputRequest>;
  /** The operator's answers, by input step id. */
  choices: Record<string, string>;
  /** Who approved which change, and the fingerprint they saw. */
  approved: Record<string, { by: string; at: string; fingerprint: string }>;
}

type DoneEvent = { type: string; output: StepOutput };
type ErrorEvent = { type: string; error: unknown };
type AnyEvent = RunbookEvent | DoneEvent | ErrorEvent;
type ActionArgs = { context: RunbookContext; event: AnyEvent };
type Update = (args: ActionArgs) => Partial<RunbookContext>;

const now = (): string => new Date().toISOString();
// xstate's assign typing cannot follow a generated config; every updater here is typed by ActionArgs instead.
const update = (fn: Update) => assign(fn as never);
const logLine = (context: RunbookContext, level: "info" | "warn" | "error", message: string) => [
  ...context.log,
  { at: now(), level, message },
];

export { describeError, RefusedChangeError, StaleApprovalError } from "./step-errors.js";

const isStale = ({ event }: { event: AnyEvent }) => describeError((event as ErrorEvent).error).cause === "stale";
const isRefused = ({ event }: { event: AnyEvent }) => describeError((event as ErrorEvent).error).cause === "refused";

/** The `az` form each access-dependent step shows for this run, once the run knows the vault's model. */
function stepAzOf(spec: RunbookSpec, facts: RunFacts): Record<string, string> | undefined {
  const entries = spec.steps.flatMap((s) => {
    const az = s.azByAccess ? accessAzFor(s.azByAccess, facts) : undefined;
    return az ? [[s.id, az] as const] : [];
  });
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/** Verify steps see the plan of the change they verify. */
function stepInput(context: RunbookContext, stepId: string, planStepId = stepId): StepInput {
  return {
    stepId,
    target: context.target,
    requester: context.requester,
    startedAt: context.startedAt,
    facts: context.facts,
    choices: context.choices,
    plan: context.plans[planStepId],
    approvedFingerprint: context.approved[stepId]?.fingerprint,
  };
}

function recordOutput(stepId: string, target: string, spec: RunbookSpec, options: { clearDeadline: boolean }): Update {
  const targetStep = spec.steps.find((s) => s.id === target);
  const step = spec.steps.find((s) => s.id === stepId);
  return ({ context, event }) => {
    const output = (event as DoneEvent).output;
    const plans = { ...context.plans };
    for (const plan of output.plans ?? []) plans[plan.stepId] = plan;
    const inputs = { ...context.inputs };
    if (output.input) inputs[targetStep?.type === "input" ? target : output.input.stepId] = output.input;
    let log = context.log;
    for (const line of output.log ?? []) log = [...log, { at: now(), level: "info" as const, message: line }];
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
    if (output.final) changes.outcome = output.final;
    if (options.clearDeadline) changes.deadline = undefined;
    if (target === "failed") {
      const message = output.message ?? `step ${stepId} ended with ${output.outcome}`;
      changes.lastError = { step: stepId, cause: output.outcome, message };
      changes.log = logLine({ ...context, log }, "error", message);
    }
    return changes;
  };
}

function recordError(stepId: string): Update {
  return ({ context, event }) => {
    const { cause, message, requestId } = describeError((event as ErrorEvent).error);
    return {
      lastError: requestId ? { step: stepId, cause, message, requestId } : { step: stepId, cause, message },
      log: logLine(context, "error", `${stepId}: ${message}`),
    };
  };
}

const abort: Update = ({ context, event }) => {
  const e = event as Extract<RunbookEvent, { type: "ABORT" }>;
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
    log: logLine(context, "warn", `Aborted by ${e.by}: ${e.reason}`),
  };
};

const abortTransition = { target: "aborted", actions: update(abort) };

function placeholderActor(name: string) {
  return fromPromise<StepOutput, StepInput>(async () => {
    throw new Error(`actor "${name}" has no implementation: provide definition.actors(azure)`);
  });
}

/** Wraps step functions over the port as fromPromise actors; the actor's abort signal reaches every Azure call. */
export function actorsFrom(azure: CmkAzure, fns: Record<string, StepFn>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fns).map(([name, fn]) => [
      name,
      fromPromise<StepOutput, StepInput>(({ input, signal }) => fn(azure, input, signal)),
    ]),
  );
}

function stateFor(step: StepSpec, spec: RunbookSpec): Record<string, unknown> {
  const base = { description: step.meta.why, meta: step.meta };
  switch (step.type) {
    case "invoke": {
      const waits = spec.steps.filter((s) => s.type === "wait" && s.poll === step.id);
      const verified = spec.steps.find((s) => s.type === "change" && s.next === step.id);
      const onDone = Object.entries(step.on).map(([outcome, target]) => ({
        guard: ({ event }: { event: AnyEvent }) => (event as DoneEvent).output?.outcome === outcome,
        target,
        description: outcome,
        actions: update(
          recordOutput(step.id, target, spec, {
            clearDeadline: waits.length > 0 && !waits.some((w) => w.id === target),
          }),
        ),
      }));
      onDone.push({
        guard: () => true,
        target: "failed",
        description: "unexpected outcome",
        actions: update(({ context, event }) => {
          const message = `${step.id} returned an unexpected outcome "${(event as DoneEvent).output?.outcome}"`;
          return {
            lastError: { step: step.id, cause: "unexpected-outcome", message },
            log: logLine(context, "error", message),
          };
        }),
      });
      return {
        ...base,
        tags: ["busy"],
        invoke: {
          id: step.id,
          src: step.actor,
          input: ({ context }: { context: RunbookContext }) => stepInput(context, step.id, verified?.id ?? step.id),
          onDone,
          onError: { target: "failed", actions: update(recordError(step.id)) },
        },
        on: {
          ABORT: abortTransition,
          ...(step.deadlineTarget
            ? { DEADLINE: { target: step.deadlineTarget, actions: update(deadlinePassed(spec, step.deadlineTarget)) } }
            : {}),
        },
      };
    }
    case "approval": {
      const alternatives = Object.entries(step.alternatives ?? {}).map(([value, key]) => ({
        guard: ({ context, event }: ActionArgs) =>
          (event as Extract<RunbookEvent, { type: "INPUT" }>).value === value && context.candidates[key] !== undefined,
        target: step.id,
        reenter: true,
        description: value,
        actions: update(({ context, event }) => ({
          plans: { ...context.plans, [step.change]: context.candidates[key] as ChangePlan },
          log: logLine(
            context,
            "info",
            `${(event as Extract<RunbookEvent, { type: "INPUT" }>).by} chose "${value}" for ${step.change}`,
          ),
        })),
      }));
      const recheck = spec.steps.find((s) => s.type === "change" && s.id === step.change);
      return {
        ...base,
        tags: ["approval"],
        // Nothing to show the approver means nothing may be approved: stop, and let RETRY run the check again.
        always: {
          guard: ({ context }: { context: RunbookContext }) => context.plans[step.change] === undefined,
          target: "failed",
          actions: update(({ context }) => {
            const message = `No change was planned for ${step.change}; run the check again (RETRY).`;
            const check = recheck?.type === "change" ? recheck.recheck : step.id;
            return { lastError: { step: check, cause: "no-plan", message }, log: logLine(context, "error", message) };
          }),
        },
        entry: update(({ context }) => {
          const plan = context.plans[step.change];
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
            },
          };
        }),
        exit: update(() => ({ pendingApproval: undefined })),
        on: {
          APPROVE: {
            // An approval for another state of Azure than the one shown is ignored, never applied.
            guard: ({ context, event }: ActionArgs) =>
              context.pendingApproval !== undefined &&
              (event as Extract<RunbookEvent, { type: "APPROVE" }>).fingerprint === context.pendingApproval.fingerprint,
            target: step.change,
            actions: update(({ context, event }) => {
              const e = event as Extract<RunbookEvent, { type: "APPROVE" }>;
              return {
                approved: { ...context.approved, [step.change]: { by: e.by, at: now(), fingerprint: e.fingerprint } },
                log: logLine(context, "info", `${e.by} approved ${step.change}`),
              };
            }),
          },
          REJECT: {
            target: "rejected",
            actions: update(({ context, event }) => {
              const e = event as Extract<RunbookEvent, { type: "REJECT" }>;
              return {
                // Exit actions run first: pendingApproval is already cleared here, the plan is not.
                outcome: {
                  summary: `${e.by} rejected "${context.plans[step.change]?.title ?? step.change}": ${e.reason}`,
                  nextSteps: [],
                },
                log: logLine(context, "warn", `${e.by} rejected ${step.change}: ${e.reason}`),
              };
            }),
          },
          ...(alternatives.length ? { INPUT: alternatives } : {}),
          ABORT: abortTransition,
        },
      };
    }
    case "change":
      return {
        ...base,
        tags: ["busy", "change"],
        entry: update(({ context }) => {
          const plan = context.plans[step.id];
          if (!plan) return {};
          return {
            before: { ...context.before, [step.id]: plan.beforeState },
            rollback:
              plan.rollback && !context.rollback.includes(plan.rollback)
                ? [...context.rollback, plan.rollback]
                : context.rollback,
          };
        }),
        invoke: {
          id: step.id,
          src: step.actor,
          input: ({ context }: { context: RunbookContext }) => stepInput(context, step.id),
          onDone: {
            target: step.next,
            actions: [
              update(recordOutput(step.id, step.next, spec, { clearDeadline: false })),
              // The step table shows the template; the evidence names the exact command this run approved.
              update(({ context }) => {
                const az = context.plans[step.id]?.az;
                const evidence = context.evidence[step.id] ?? [];
                return az
                  ? { evidence: { ...context.evidence, [step.id]: [...evidence, `Equivalent command: ${az}`] } }
                  : {};
              }),
              // A recovery has no rollback command; the run says so instead of leaving the question open.
              update(({ context }) => {
                const reason = context.plans[step.id]?.noUndo;
                if (!reason) return {};
                const line = `Nothing to undo: ${reason}`;
                const evidence = context.evidence[step.id] ?? [];
                return {
                  evidence: { ...context.evidence, [step.id]: [...evidence, line] },
                  log: logLine(context, "info", `${step.id}: ${line}`),
                };
              }),
            ],
          },
          onError: [
            ...(step.refused
              ? [
                  {
                    guard: isRefused,
                    target: step.refused,
                    description: "refused by Azure",
                    actions: update(({ context, event }) => {
                      const plan = context.plans[step.id];
                      const { cause, message, requestId } = describeError((event as ErrorEvent).error);
                      return {
                        // Nothing changed: the plan's rollback does not apply. The audit sees the refusal as lastError.
                        rollback: context.rollback.filter((c) => c !== plan?.rollback),
                        lastError: requestId
                          ? { step: step.id, cause, message, requestId }
                          : { step: step.id, cause, message },
                        evidence: { ...context.evidence, [step.id]: [message] },
                        log: logLine(context, "warn", `${step.id}: ${message}`),
                      };
                    }),
                  },
                ]
              : []),
            {
              guard: isStale,
              target: step.recheck,
              description: "stale approval",
              actions: update(({ context, event }) => {
                const plan = context.plans[step.id];
                return {
                  // The change did not run: its rollback no longer applies.
                  rollback: context.rollback.filter((c) => c !== plan?.rollback),
                  log: logLine(
                    context,
                    "warn",
                    `${describeError((event as ErrorEvent).error).message} Checking again.`,
                  ),
                };
              }),
            },
            { target: "failed", actions: update(recordError(step.id)) },
          ],
        },
        on: { ABORT: abortTransition },
      };
    case "input": {
      const offered = (context: RunbookContext, value: string) =>
        (context.pendingInput?.options ?? []).some((option) => option.id === value);
      const choose = (value: string, context: RunbookContext, by: string, target: string): Partial<RunbookContext> => {
        const candidate = step.planFor ? context.candidates[value] : undefined;
        return {
          // A refusal that led here stays the reason only if the operator chooses to stop on it.
          ...(target === "failed" ? {} : { lastError: undefined }),
          choices: { ...context.choices, [step.id]: value },
          ...(step.planFor && candidate ? { plans: { ...context.plans, [step.planFor]: candidate } } : {}),
          log: logLine(context, "info", `${by} chose "${value}" at ${step.id}`),
        };
      };
      const transitions: Array<Record<string, unknown>> = Object.entries(step.on).map(([value, target]) => ({
        guard: ({ context, event }: ActionArgs) => {
          const e = event as Extract<RunbookEvent, { type: "INPUT" }>;
          return e.value === value && offered(context, value);
        },
        target,
        description: value,
        actions: update(({ context, event }) =>
          choose(value, context, (event as Extract<RunbookEvent, { type: "INPUT" }>).by, target),
        ),
      }));
      if (step.otherwise) {
        transitions.push({
          guard: ({ context, event }: ActionArgs) =>
            offered(context, (event as Extract<RunbookEvent, { type: "INPUT" }>).value),
          target: step.otherwise,
          description: "chosen option",
          actions: update(({ context, event }) => {
            const e = event as Extract<RunbookEvent, { type: "INPUT" }>;
            return choose(e.value, context, e.by, step.otherwise as string);
          }),
        });
      }
      return {
        ...base,
        tags: ["input"],
        entry: update(({ context }) => ({
          pendingInput: context.inputs[step.id] ?? {
            stepId: step.id,
            prompt: step.prompt,
            options: step.options ?? [],
            ...(step.defaultOption ? { defaultOption: step.defaultOption } : {}),
          },
        })),
        exit: update(() => ({ pendingInput: undefined })),
        on: { INPUT: transitions, ABORT: abortTransition },
      };
    }
    case "wait":
      return {
        ...base,
        tags: ["wait"],
        // The deadline is absolute and stored: the engine re-arms it after a restart (no `after` timers).
        entry: update(({ context }) =>
          context.deadline ? {} : { deadline: new Date(Date.now() + step.deadlineMs).toISOString() },
        ),
        on: {
          POLL: { target: step.poll },
          DEADLINE: { target: step.onDeadline, actions: update(deadlinePassed(spec, step.onDeadline)) },
          ABORT: abortTransition,
        },
      };
  }
}

function deadlinePassed(spec: RunbookSpec, target: string): Update {
  const waitStep = spec.steps.find(
    (s): s is Extract<StepSpec, { type: "wait" }> => s.type === "wait" && s.onDeadline === target,
  );
  return ({ context }) => ({
    deadline: undefined,
    outcome: {
      summary: `${waitStep?.timeout.summary ?? "The wait passed its deadline."} (deadline ${context.deadline ?? "unknown"})`,
      nextSteps: (waitStep?.timeout.nextSteps ?? []).map((line) => fillAz(line, context.target, context.facts)),
    },
    log: logLine(context, "error", `Deadline ${context.deadline ?? ""} passed`),
  });
}

/** Builds the machine (with placeholder actors) and the checklist of a runbook. */
export function buildRunbook(
  spec: RunbookSpec,
  stepFns: (azure: CmkAzure, options?: RunbookActorOptions) => Record<string, StepFn>,
): RunbookDefinition & {
  spec: RunbookSpec;
  stepFunctions: (azure: CmkAzure, options?: RunbookActorOptions) => Record<string, StepFn>;
} {
  const ids = new Set(spec.steps.map((s) => s.id));
  const finals = ["succeeded", "unrecoverable", "escalated", "rejected", "aborted"] as const;
  const known = new Set<string>([...ids, ...finals, "failed"]);
  const targets = spec.steps.flatMap((s) => {
    switch (s.type) {
      case "invoke":
        return [...Object.values(s.on), ...(s.deadlineTarget ? [s.deadlineTarget] : [])];
      case "approval":
        return [s.change];
      case "change":
        return [s.next, s.recheck, ...(s.refused ? [s.refused] : [])];
      case "input":
        return [...Object.values(s.on), ...(s.otherwise ? [s.otherwise] : [])];
      case "wait":
        return [s.poll, s.onDeadline];
    }
  });
  const unknown = targets.filter((t) => !known.has(t));
  if (unknown.length) throw new Error(`runbook ${spec.id}: unknown target state(s) ${unknown.join(", ")}`);
  for (const s of spec.steps) {
    if (s.type === "change") {
      const gate = spec.steps.find((g) => g.type === "approval" && g.change === s.id);
      if (!gate) throw new Error(`runbook ${spec.id}: change ${s.id} has no approval state`);
    }
  }

  const actorNames = [
    ...new Set(spec.steps.flatMap((s) => (s.type === "invoke" || s.type === "change" ? [s.actor] : []))),
  ];
  const invokeIds = spec.steps.filter((s) => s.type === "invoke" || s.type === "change").map((s) => s.id);

  const states: Record<string, unknown> = {};
  for (const step of spec.steps) states[step.id] = stateFor(step, spec);
  states.failed = {
    description: FAILED_META.why,
    meta: FAILED_META,
    on: {
      RETRY: invokeIds.map((id) => ({
        guard: ({ context }: { context: RunbookContext }) => context.lastError?.step === id,
        target: id,
        actions: update(({ context, event }) => ({
          lastError: undefined,
          log: logLine(context, "info", `${(event as Extract<RunbookEvent, { type: "RETRY" }>).by} retried ${id}`),
        })),
      })),
      ABORT: abortTransition,
    },
  };
  for (const id of finals) {
    const meta: StepMeta = FINAL_META[id];
    states[id] = {
      type: "final",
      description: meta.why,
      meta,
      entry: update(({ context }) =>
        context.outcome ? {} : { outcome: { summary: id === "succeeded" ? spec.succeeded : meta.why, nextSteps: [] } },
      ),
    };
  }

  const machine: AnyStateMachine = setup({
    types: {} as { context: RunbookContext; events: RunbookEvent; input: RunbookInput },
    actors: Object.fromEntries(actorNames.map((name) => [name, placeholderActor(name)])),
  }).createMachine({
    id: spec.id,
    initial: spec.steps[0]?.id,
    context: ({ input }: { input: RunbookInput }): RunbookContext => {
      const at = now();
      return {
        target: input.target,
        requester: input.requester,
        dryRun: input.dryRun,
        ...(input.hints ? { hints: input.hints } : {}),
        startedAt: at,
        evidence: {},
        before: {},
        rollback: [],
        log: [
          {
            at,
            level: "info",
            message: `${spec.title}: started by ${input.requester} for ${input.target.resourceGroup}/${input.target.registry}`,
          },
        ],
        facts: {},
        plans: {},
        candidates: {},
        inputs: {},
        choices: {},
        approved: {},
      };
    },
    states,
  } as never) as unknown as AnyStateMachine;

  const steps = spec.steps.map((s) => ({ id: s.id, ...s.meta }));
  return {
    id: spec.id,
    title: spec.title,
    summary: spec.summary,
    machine,
    actors: (azure: CmkAzure, options?: RunbookActorOptions) => actorsFrom(azure, stepFns(azure, options)),
    steps,
    spec,
    stepFunctions: stepFns,
  };
}
