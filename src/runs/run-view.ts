// Snapshot → RunView: the one picture of a run every driver renders. Pure, so the terminal, Slack and the plain
// driver cannot disagree about what a run looks like.
import { placeholderValues } from "../machines/az.js";
import type { RunFacts as LearnedFacts } from "../machines/facts.js";
import { FINAL_STATE_IDS, type RunbookContextBase, type RunbookDefinition } from "../machines/protocol.js";
import type { ApprovalStamp, RunRecord } from "./run-store.js";
import { planSteps, targetPlaceholders } from "./plan.js";
import type { RunPlace, RunStatus, RunView, StepStatus, StepView } from "./types.js";

/** What the view needs of a machine snapshot (live or restored). */
export interface MachineFacts {
  value: string;
  /** The machine reached a final state. */
  final: boolean;
  /** The actor itself crashed (a bug in a machine, not an Azure failure). */
  crashed?: string;
  tags: readonly string[];
  /** An invoked actor is running (an Azure call in flight). */
  hasChildren: boolean;
  context: RunbookContextBase;
}

export interface RunFacts {
  id: string;
  definition: RunbookDefinition;
  requester: string;
  driver: RunView["driver"];
  dryRun: boolean;
  place?: RunPlace;
  visited: readonly string[];
  approval?: ApprovalStamp;
  presetChoices?: string[];
  startedAt: string;
  updatedAt: string;
}

export function statusOf(state: MachineFacts): RunStatus {
  if (state.crashed !== undefined) return "failed";
  if (state.final) {
    return (FINAL_STATE_IDS as readonly string[]).includes(state.value) ? (state.value as RunStatus) : "failed";
  }
  if (state.tags.includes("approval")) return "awaiting-approval";
  if (state.tags.includes("input")) return "awaiting-input";
  if (state.tags.includes("wait")) return "waiting";
  // Nothing in flight and nobody asked: the machine stopped at an error and waits for RETRY or ABORT.
  if (!state.hasChildren && !state.tags.includes("busy")) return "failed";
  return "running";
}

/** The run waits for a person (or for nothing, because it ended); the engine's timers drive "waiting". */
export function isSettled(status: RunStatus): boolean {
  return status !== "running" && status !== "waiting";
}

function stepStatus(
  id: string,
  state: MachineFacts,
  status: RunStatus,
  visited: ReadonlySet<string>,
  rejected: string | undefined,
): StepStatus {
  if (id === rejected) return "rejected";
  const stoppedOnError = status === "failed" && !state.final;
  if (stoppedOnError && state.context.lastError?.step === id) return "failed";
  if (id === state.value) {
    if (state.final) return status === "succeeded" ? "done" : "failed";
    return stoppedOnError ? "failed" : "current";
  }
  if (visited.has(id)) return "done";
  return state.final ? "skipped" : "pending";
}

function errorOf(state: MachineFacts): NonNullable<RunView["error"]> {
  if (state.crashed !== undefined) return { step: state.value, cause: "internal", message: state.crashed };
  return (
    state.context.lastError ?? { step: state.value, cause: "unknown", message: `The run stopped at ${state.value}.` }
  );
}

/**
 * Values for the steps' `az` commands: the target, plus what the run has learned so far (vault, key, identity), so a
 * person can copy a step's command as it stands instead of filling in <vault-name> at 3 a.m.
 */
function placeholdersOf(context: RunbookContextBase): Record<string, string> {
  const learned = (context as RunbookContextBase & { facts?: LearnedFacts }).facts;
  // What the run read itself wins over what the diagnosis said before it started.
  const read = learned ? placeholderValues(context.target, learned) : {};
  const known = Object.fromEntries(Object.entries(read).filter((entry) => entry[1] !== undefined));
  return targetPlaceholders(context.target, { ...context.hints, ...known });
}

/** The approval step a person rejected: the last one the run stood at before it ended "rejected". */
function rejectedStep(facts: RunFacts, status: RunStatus): string | undefined {
  if (status !== "rejected") return undefined;
  const approvals = new Set(facts.definition.steps.filter((step) => step.kind === "approval").map((step) => step.id));
  return [...facts.visited].reverse().find((id) => approvals.has(id));
}

export function buildRunView(facts: RunFacts, state: MachineFacts): RunView {
  const { context } = state;
  const status = statusOf(state);
  const visited = new Set(facts.visited);
  const rejected = rejectedStep(facts, status);
  const steps: StepView[] = planSteps(facts.definition, placeholdersOf(context), context.stepAz).map((step) => {
    const evidence = context.evidence[step.id];
    return {
      ...step,
      status: stepStatus(step.id, state, status, visited, rejected),
      ...(evidence ? { evidence } : {}),
    };
  });
  const log = [...context.log];
  if (state.crashed !== undefined) log.push({ at: facts.updatedAt, level: "error", message: state.crashed });
  const pending = context.pendingApproval;
  const approval =
    status === "awaiting-approval" && pending
      ? {
          ...pending,
          requester: facts.requester,
          requestedAt: facts.approval?.requestedAt ?? facts.updatedAt,
          expiresAt: facts.approval?.expiresAt ?? facts.updatedAt,
        }
      : undefined;
  return {
    id: facts.id,
    runbook: facts.definition.id,
    target: context.target,
    ...(facts.place ? { place: facts.place } : {}),
    requester: facts.requester,
    driver: facts.driver,
    dryRun: facts.dryRun,
    status,
    busy: state.tags.includes("busy"),
    steps,
    currentStepId: state.value,
    ...(approval ? { approval } : {}),
    ...(status === "awaiting-input" && context.pendingInput ? { input: context.pendingInput } : {}),
    log,
    ...(context.outcome ? { outcome: context.outcome } : {}),
    rollback: [...context.rollback],
    ...(status === "waiting" && context.deadline ? { deadline: context.deadline } : {}),
    ...(facts.presetChoices?.length ? { presetChoices: [...facts.presetChoices] } : {}),
    ...(status === "failed" ? { error: errorOf(state) } : {}),
    startedAt: facts.startedAt,
    updatedAt: facts.updatedAt,
  };
}

/** The view of a stored run after its machine moved to `state`; the diagnosis it started from rides along. */
export function recordView(record: RunRecord, definition: RunbookDefinition, state: MachineFacts): RunView {
  const view = buildRunView(
    {
      id: record.id,
      definition,
      requester: record.requester,
      driver: record.driver,
      dryRun: record.dryRun,
      ...(record.place ? { place: record.place } : {}),
      visited: record.visited,
      ...(record.approval ? { approval: record.approval } : {}),
      ...(record.presetChoices ? { presetChoices: record.presetChoices } : {}),
      startedAt: record.startedAt,
      updatedAt: record.updatedAt,
    },
    state,
  );
  const incident = record.view.incident;
  // The diagnosis a run started from is not machine state.
  if (incident) view.incident = incident;
  return view;
}
