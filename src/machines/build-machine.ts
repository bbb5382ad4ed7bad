// Turns a runbook's step list into an XState v5 machine that follows protocol.ts: flat states, `meta` and
// `description` everywhere, tags for the engine, every guard and action named in setup(), approval bound to a
// fingerprint, before-state and rollback recorded ahead of each change, every invoke with onError, ABORT everywhere,
// `failed` as a resumable stop. Each step kind's state is built in states/; the time comes from a RunClock.
import { setup, type AnyStateMachine } from "xstate";
import type { CmkAzure } from "../azure/types.js";
import { runbookTitle } from "../runbooks/catalogue.js";
import { wallClock } from "./actors/wall-clock.js";
import type { RunbookActorOptions, RunbookDefinition, RunbookEvent, RunbookInput, RunClock } from "./protocol.js";
import { runbookActions } from "./run-actions.js";
import type { RunbookContext } from "./run-context.js";
import { RUNBOOK_GUARDS } from "./run-guards.js";
import { validateSpec } from "./spec-validation.js";
import { action } from "./states/refs.js";
import { approvalState } from "./states/approval-state.js";
import { changeState } from "./states/change-state.js";
import { failedState, finalStates } from "./states/end-states.js";
import { inputState } from "./states/input-state.js";
import { invokeState } from "./states/invoke-state.js";
import { waitState } from "./states/wait-state.js";
import { actorsFrom, placeholderActor } from "./step-actors.js";
import type { RunbookSpec, StepFn, StepSpec } from "./steps.js";

function stateFor(step: StepSpec, spec: RunbookSpec): Record<string, unknown> {
  switch (step.type) {
    case "invoke":
      return invokeState(step, spec);
    case "approval":
      return approvalState(step, spec);
    case "change":
      return changeState(step);
    case "input":
      return inputState(step);
    case "wait":
      return waitState(step);
  }
}

/** The context a run starts with; `startRun` (the root's entry) stamps its start and first log line. */
function initialContext({ input }: { input: RunbookInput }): RunbookContext {
  return {
    target: input.target,
    requester: input.requester,
    dryRun: input.dryRun,
    ...(input.hints ? { hints: input.hints } : {}),
    ...(input.invocation ? { invocation: input.invocation } : {}),
    startedAt: "",
    evidence: {},
    before: {},
    rollback: [],
    log: [],
    facts: {},
    plans: {},
    candidates: {},
    inputs: {},
    choices: {},
    approved: {},
  };
}

function createRunbookMachine(spec: RunbookSpec): AnyStateMachine {
  const actorNames = [
    ...new Set(spec.steps.flatMap((s) => (s.type === "invoke" || s.type === "change" ? [s.actor] : []))),
  ];
  const retryable = spec.steps.filter((s) => s.type === "invoke" || s.type === "change").map((s) => s.id);
  const states: Record<string, unknown> = {};
  for (const step of spec.steps) states[step.id] = stateFor(step, spec);
  states.failed = failedState(retryable);
  Object.assign(states, finalStates());

  return setup({
    types: {} as { context: RunbookContext; events: RunbookEvent; input: RunbookInput },
    actors: Object.fromEntries(actorNames.map((name) => [name, placeholderActor(name)])),
    guards: RUNBOOK_GUARDS as never,
    actions: runbookActions(spec, wallClock) as never,
  }).createMachine({
    id: spec.id,
    initial: spec.steps[0]?.id,
    context: initialContext,
    entry: action("startRun"),
    states,
  } as never) as unknown as AnyStateMachine;
}

/** Builds the machine (with placeholder actors) and the checklist of a runbook; its title is the catalogue's. */
export function buildRunbook(
  spec: RunbookSpec,
  stepFns: (azure: CmkAzure, options?: RunbookActorOptions) => Record<string, StepFn>,
): Omit<RunbookDefinition, "containerGroup"> & {
  spec: RunbookSpec;
  stepFunctions: (azure: CmkAzure, options?: RunbookActorOptions) => Record<string, StepFn>;
  machineWithClock: (clock: RunClock) => AnyStateMachine;
} {
  validateSpec(spec);
  const machine = createRunbookMachine(spec);
  return {
    id: spec.id,
    title: runbookTitle(spec.id),
    summary: spec.summary,
    machine,
    machineWithClock: (clock) => machine.provide({ actions: runbookActions(spec, clock) as never }),
    actors: (azure: CmkAzure, options?: RunbookActorOptions) => actorsFrom(azure, stepFns(azure, options)),
    steps: spec.steps.map((s) => ({ id: s.id, ...s.meta })),
    spec,
    stepFunctions: stepFns,
  };
}
