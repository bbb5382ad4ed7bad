// Model-based path testing for runbook machines. `xstate/graph`'s createTestModel refuses machines with `invoke`, so
// the events of invoked actors are named here (done with each declared outcome, error as an Azure failure, stale for
// changes), the graph is enumerated with getAdjacencyMap + getShortestPaths, and every transition of the graph is
// then driven end to end on a real actor against the sandbox through the real SDK clients. Each outcome is produced
// by the sandbox itself: an incident or a world change applied just before the step that should observe it, and
// real 503 faults (retried by the SDK, then surfaced) for error edges.
import { createActor, fromPromise, type AnyStateMachine } from "xstate";
import { getAdjacencyMap, getShortestPaths } from "xstate/graph";
import { expect } from "vitest";
import type { RunbookWithSpec } from "../../src/machines/index.js";
import type { RunbookContext } from "../../src/machines/run-context.js";
import type { ChangePlan, StepInput, StepOutput, StepSpec } from "../../src/machines/steps.js";
import type { RunFacts } from "../../src/machines/facts.js";
import type { ScenarioOptions } from "../../src/sandbox/scenarios.js";
import type { World } from "../../src/sandbox/world.js";
import type { RunTarget } from "../../src/runs/types.js";
import { sandbox, type Sandbox } from "./harness.js";

export interface Realization {
  scenario?: ScenarioOptions;
  /** Applied to the world right before the step's actor runs (an incident, or someone else's change). */
  before?: (world: World, now: Date, path: PathFacts) => void;
}

export interface PathFacts {
  choices: Record<string, string>;
}

export interface PathModel {
  runbook: RunbookWithSpec;
  /** How the path test names the model (default: the runbook's id), e.g. "key-deleted (container group)". */
  label?: string;
  /** The run's target in the path's sandbox (default: its registry). */
  target?: (sb: Sandbox) => RunTarget;
  base: ScenarioOptions;
  /** Keys: `<state>:<outcome>`, `<change>:stale`, `<change>:refused`, `<input state>:INPUT:<value>`. */
  realize: Record<string, Realization>;
  /** Edges the sandbox cannot produce, each with the reason (asserted, so the list cannot grow silently). */
  unrealizable: Record<string, string>;
  /** Facts a synthetic `<state>:<outcome>` output carries, so later edges can stay consistent with it. */
  facts?: Record<string, Partial<RunFacts>>;
  /** Edges only possible when the run's facts say so (e.g. "manual" only after a pinned key id was found). */
  when?: Record<string, (facts: RunFacts) => boolean>;
}

type Snap = { value: unknown; status: string; context: RunbookContext; hasTag(tag: string): boolean };
type GraphEvent = { type: string; [key: string]: unknown };

const DYNAMIC_OPTION = "first-offered-option";

function dummyPlan(stepId: string): ChangePlan {
  return {
    stepId,
    title: stepId,
    resource: "r",
    before: "b",
    after: "a",
    az: "az",
    risk: "low",
    irreversible: false,
    fingerprint: `fp-${stepId}`,
    beforeState: {},
  };
}

function stepById(model: PathModel, id: string): StepSpec | undefined {
  return model.runbook.spec.steps.find((s) => s.id === id);
}

/** The output an actor would give for `outcome`, with what the next state needs (a plan, input options). */
function syntheticOutput(model: PathModel, stepId: string, outcome: string, target: string): StepOutput {
  // Every change gets a plan, as the real checks supply one before any approval that can follow.
  const changes = model.runbook.spec.steps.filter((s) => s.type === "change").map((s) => s.id);
  const output: StepOutput = {
    outcome,
    plans: changes.map(dummyPlan),
    facts: model.facts?.[`${stepId}:${outcome}`] ?? {},
  };
  const next = stepById(model, target);
  if (next?.type === "approval") {
    output.candidates = Object.fromEntries(
      Object.values(next.alternatives ?? {}).map((key) => [key, dummyPlan(next.change)]),
    );
  }
  if (next?.type === "input") {
    const ids = next.otherwise ? [DYNAMIC_OPTION] : Object.keys(next.on);
    output.input = { stepId: next.id, prompt: next.prompt, options: ids.map((id) => ({ id, label: id })) };
    if (next.planFor) output.candidates = Object.fromEntries(ids.map((id) => [id, dummyPlan(next.planFor as string)]));
  }
  if (target === "escalated" || target === "unrecoverable") output.final = { summary: outcome, nextSteps: [] };
  return output;
}

export function graphEvents(model: PathModel) {
  return (snapshot: Snap): GraphEvent[] => {
    const allowed = (key: string) =>
      !(key in model.unrealizable) && (model.when?.[key]?.(snapshot.context.facts) ?? true);
    if (snapshot.status !== "active") return [];
    const value = String(snapshot.value);
    const events: GraphEvent[] = [{ type: "ABORT", by: "carol", reason: "drill" }];
    if (value === "failed") return [...events, { type: "RETRY", by: "carol" }];
    const step = stepById(model, value);
    if (!step) return events;
    switch (step.type) {
      case "invoke":
        for (const [outcome, target] of Object.entries(step.on)) {
          if (allowed(`${step.id}:${outcome}`))
            events.push({
              type: `xstate.done.actor.${step.id}`,
              output: syntheticOutput(model, step.id, outcome, target),
            });
        }
        if (allowed(`${step.id}:error`))
          events.push({ type: `xstate.error.actor.${step.id}`, error: { kind: "unavailable", message: "503" } });
        if (step.deadlineTarget) events.push({ type: "DEADLINE" });
        break;
      case "change":
        events.push({ type: `xstate.done.actor.${step.id}`, output: { outcome: "done" } });
        if (allowed(`${step.id}:error`))
          events.push({ type: `xstate.error.actor.${step.id}`, error: { kind: "unavailable", message: "503" } });
        if (allowed(`${step.id}:stale`))
          events.push({ type: `xstate.error.actor.${step.id}`, error: { kind: "stale", message: "stale" } });
        if (step.refused && allowed(`${step.id}:refused`))
          events.push({ type: `xstate.error.actor.${step.id}`, error: { kind: "refused", message: "refused" } });
        break;
      case "approval":
        events.push({ type: "APPROVE", by: "bob", fingerprint: String(snapshot.context.pendingApproval?.fingerprint) });
        events.push({ type: "REJECT", by: "bob", reason: "not now" });
        for (const value of Object.keys(step.alternatives ?? {})) events.push({ type: "INPUT", by: "bob", value });
        break;
      case "input":
        for (const option of snapshot.context.pendingInput?.options ?? []) {
          if (allowed(`${step.id}:INPUT:${option.id}`)) events.push({ type: "INPUT", by: "bob", value: option.id });
        }
        break;
      case "wait":
        events.push({ type: "POLL" }, { type: "DEADLINE" });
        break;
    }
    return events;
  };
}

const serializeState = (s: Snap) =>
  `${String(s.value)}|${s.context.lastError?.step ?? ""}|${JSON.stringify(s.context.facts)}`;
const serializeEvent = (e: GraphEvent) =>
  JSON.stringify({
    type: e.type,
    outcome: (e.output as StepOutput | undefined)?.outcome,
    kind: (e.error as { kind?: string } | undefined)?.kind,
    value: e.value,
  });

export interface ModelPath {
  description: string;
  steps: Array<{ event: GraphEvent; state: Snap }>;
}

/** One path per transition of the graph: the shortest path to its source, then the transition. */
export function enumeratePaths(model: PathModel): ModelPath[] {
  const input = {
    target: { subscriptionId: "s", resourceGroup: "rg", registry: "r" },
    requester: "alice",
    dryRun: false,
  };
  const options = {
    events: graphEvents(model) as never,
    serializeState: serializeState as never,
    serializeEvent: serializeEvent as never,
    input,
  };
  const machine = model.runbook.machine as AnyStateMachine;
  const shortest = getShortestPaths(machine, options);
  const bySource = new Map(shortest.map((p) => [serializeState(p.state as unknown as Snap), p]));
  const adjacency = getAdjacencyMap(machine, options);
  const paths: ModelPath[] = [];
  for (const [source, entry] of Object.entries(adjacency)) {
    const prefix = bySource.get(source);
    if (!prefix) continue;
    for (const transition of Object.values(entry.transitions as Record<string, { event: unknown; state: unknown }>)) {
      const steps = [
        ...(prefix.steps as unknown as Array<{ event: GraphEvent; state: Snap }>),
        { event: transition.event as GraphEvent, state: transition.state as unknown as Snap },
      ];
      const describe = (e: GraphEvent) => {
        const out = e.output as StepOutput | undefined;
        const err = e.error as { kind?: string } | undefined;
        return e.type.startsWith("xstate.done")
          ? `${out?.outcome}`
          : e.type.startsWith("xstate.error")
            ? `error:${err?.kind}`
            : String(e.value ?? e.type);
      };
      paths.push({
        description: steps
          .slice(1)
          .map((s) => `${describe(s.event)}→${String(s.state.value)}`)
          .join(" "),
        steps,
      });
    }
  }
  return paths;
}

function realizationsAlong(model: PathModel, path: ModelPath): Realization[] {
  const found: Realization[] = [];
  for (let k = 1; k < path.steps.length; k++) {
    const key = edgeKey(path, k);
    const r = key ? model.realize[key] : undefined;
    if (r) found.push(r);
  }
  return found;
}

/** The realization key of the k-th step's event (about the state before it). */
function edgeKey(path: ModelPath, k: number): string | undefined {
  const event = path.steps[k]?.event;
  const from = String(path.steps[k - 1]?.state.value);
  if (!event) return undefined;
  if (event.type.startsWith("xstate.done.actor.")) return `${from}:${(event.output as StepOutput).outcome}`;
  if (event.type.startsWith("xstate.error.actor.")) {
    const kind = (event.error as { kind: string }).kind;
    return `${from}:${kind === "stale" || kind === "refused" ? kind : "error"}`;
  }
  if (event.type === "INPUT") return `${from}:INPUT:${String(event.value)}`;
  return undefined;
}

const FAULT = { match: "https://", status: 503 as const, retryAfterSeconds: 0, remaining: 1000 };

/** Drives one path on a real actor against the sandbox and checks every state it passes. */
export async function drivePath(model: PathModel, path: ModelPath): Promise<Sandbox> {
  const scenario = Object.assign({}, model.base, ...realizationsAlong(model, path).map((r) => r.scenario ?? {}));
  const sb = sandbox(scenario);
  const facts: PathFacts = { choices: {} };

  // What to do on the n-th run of each step, decided up front: the machine may run ahead of this loop.
  const arms = new Map<string, { realization?: Realization; fault?: boolean }>();
  const seen = new Map<string, number>();
  for (let k = 0; k + 1 < path.steps.length; k++) {
    const stateValue = String(path.steps[k]?.state.value);
    const occurrence = (seen.get(stateValue) ?? 0) + 1;
    seen.set(stateValue, occurrence);
    const next = path.steps[k + 1]?.event as GraphEvent;
    const key = edgeKey(path, k + 1);
    const realization = key ? model.realize[key] : undefined;
    const fault =
      next.type.startsWith("xstate.error.actor.") &&
      !["stale", "refused"].includes((next.error as { kind: string }).kind);
    if (realization?.before || fault) arms.set(`${stateValue}#${occurrence}`, { realization, fault });
  }
  const runs = new Map<string, number>();
  const outputs: Array<[string, string]> = [];
  const errors: Array<[string, string]> = [];
  // A missing key is looked at again quickly: the sandbox's deletion window is its own, short.
  const stepFns = model.runbook.stepFunctions(sb.azure, { missingKeyLook: { everyMs: 5, forMs: 50 } });
  const actorNames = [
    ...new Set(model.runbook.spec.steps.flatMap((s) => (s.type === "invoke" || s.type === "change" ? [s.actor] : []))),
  ];
  const actors = Object.fromEntries(
    actorNames.map((name) => [
      name,
      fromPromise<StepOutput, StepInput>(async ({ input, signal }) => {
        const n = (runs.get(input.stepId) ?? 0) + 1;
        runs.set(input.stepId, n);
        const plan = arms.get(`${input.stepId}#${n}`);
        if (plan?.realization?.before) sb.store.update((w, now) => plan.realization?.before?.(w, now, facts));
        if (plan?.fault) sb.store.update((w) => void w.settings.faults.push({ ...FAULT }));
        try {
          const fn = stepFns[name];
          if (!fn) throw new Error(`no step function ${name}`);
          const out = await fn(sb.azure, input, signal);
          outputs.push([input.stepId, out.outcome]);
          return out;
        } catch (error) {
          errors.push([input.stepId, String((error as { kind?: string }).kind)]);
          throw error;
        } finally {
          if (plan?.fault) sb.store.update((w) => void (w.settings.faults = []));
        }
      }),
    ]),
  );
  const machine = (model.runbook.machine as AnyStateMachine).provide({ actors: actors as never });
  const target = model.target?.(sb) ?? sb.target;
  const actor = createActor(machine, { input: { target, requester: "alice@example.com", dryRun: false } });
  const trail: string[] = [];
  actor.subscribe({
    next: (s) => {
      const value = String((s as unknown as Snap).value);
      if (trail[trail.length - 1] !== value) trail.push(value);
    },
    error: () => undefined,
  });
  const snap = () => actor.getSnapshot() as unknown as Snap;
  const expected: string[] = [];
  const waitForTrail = (length: number) =>
    new Promise<void>((resolve, reject) => {
      if (trail.length >= length) return resolve();
      const timer = setTimeout(() => {
        sub.unsubscribe();
        reject(
          new Error(
            `stuck at ${trail.join(" > ")} (last error: ${snap().context.lastError?.message}) on path ${path.description}`,
          ),
        );
      }, 8000);
      const sub = actor.subscribe(() => {
        if (trail.length >= length) {
          clearTimeout(timer);
          sub.unsubscribe();
          resolve();
        }
      });
    });

  actor.start();
  expected.push(String(path.steps[0]?.state.value));
  for (let k = 1; k < path.steps.length; k++) {
    const { event, state } = path.steps[k] as { event: GraphEvent; state: Snap };
    const from = expected[expected.length - 1] as string;
    const value = String(state.value);
    if (value !== from) expected.push(value);
    if (event.type.startsWith("xstate.done.actor.") || event.type.startsWith("xstate.error.actor.")) {
      await waitForTrail(expected.length);
      if (event.type.startsWith("xstate.done.actor.")) {
        const mine = outputs.filter(([id]) => id === from);
        expect(mine[mine.length - 1], `outcome of ${from} on path ${path.description}`).toEqual([
          from,
          (event.output as StepOutput).outcome,
        ]);
      } else {
        const mine = errors.filter(([id]) => id === from);
        expect(mine[mine.length - 1], `error at ${from} on path ${path.description}`).toEqual([
          from,
          (event.error as { kind: string }).kind,
        ]);
      }
    } else {
      // A person's event: sent only once the machine waits where the path says it does.
      await waitForTrail(expected.length - (value !== from ? 1 : 0));
      expect(trail[trail.length - 1], `waiting state on path ${path.description}`).toBe(from);
      if (event.type === "APPROVE") {
        actor.send({
          type: "APPROVE",
          by: "bob@example.com",
          fingerprint: String(snap().context.pendingApproval?.fingerprint),
        });
      } else if (event.type === "INPUT") {
        const chosen =
          event.value === DYNAMIC_OPTION ? String(snap().context.pendingInput?.options[0]?.id) : String(event.value);
        facts.choices[from] = chosen;
        actor.send({ type: "INPUT", by: "bob@example.com", value: chosen });
      } else {
        actor.send(event as never);
      }
    }
    expect(
      trail[expected.length - 1],
      `state ${expected.length} of path ${path.description} (trail ${trail.join(" > ")})`,
    ).toBe(expected[expected.length - 1]);
  }
  actor.stop();
  expect(sb.world().counters.purgeRequests).toBe(0);
  return sb;
}
