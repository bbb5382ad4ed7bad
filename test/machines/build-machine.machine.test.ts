// What buildRunbook adds to a step list: the checks it refuses to build without, the run clock it stamps every record
// with (the machine never reads the wall clock itself), and the catalogue it takes its runbook's title from.
import { describe, expect, it } from "vitest";
import { getNextSnapshot, initialTransition, type AnyStateMachine } from "xstate";
import { buildRunbook } from "../../src/machines/build-machine.js";
import { RUNBOOKS } from "../../src/machines/index.js";
import type { RunbookContext } from "../../src/machines/run-context.js";
import { ROTATION_PICKUP_DEADLINE_MS } from "../../src/machines/rotate.js";
import { check, guardedChange, wait, type RunbookSpec, type StepSpec } from "../../src/machines/steps.js";
import { RUNBOOK_IDS, runbookTitle } from "../../src/runbooks/catalogue.js";
import { plan } from "./plans.js";

type Snap = { value: unknown; context: RunbookContext };
const input = {
  target: { subscriptionId: "sub", resourceGroup: "rg", registry: "acr1" },
  requester: "alice",
  dryRun: false,
};
const meta = { title: "Look", why: "Because.", risk: "none" as const, az: "az acr show" };
const specOf = (steps: StepSpec[]): RunbookSpec => ({
  id: "rotate",
  summary: "A test runbook.",
  steps,
  succeeded: "Done.",
});
const build = (steps: StepSpec[]) => () => buildRunbook(specOf(steps), () => ({}));

describe("buildRunbook refuses a step list that breaks the protocol", () => {
  it("a target that names no state", () => {
    expect(build([check("look", meta, "look", { ok: "nowhere" })])).toThrow(
      "runbook rotate: unknown target state(s) nowhere",
    );
  });

  it("a change without its approval", () => {
    const [, change, verify] = guardedChange({
      id: "fix",
      title: "Fix it",
      why: "Because.",
      risk: "low",
      az: "az fix",
      actor: "fix",
      verifyActor: "verifyFix",
      verifyTitle: "Verify the fix",
      verifyOn: { ok: "succeeded" },
      recheck: "look",
    });
    expect(build([check("look", meta, "look", { ok: "fix" }), change, verify])).toThrow(
      "runbook rotate: change fix has no approval state",
    );
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])("a wait whose deadline is %s", (deadlineMs) => {
    const steps = [
      check("look", meta, "look", { "not-yet": "wait-a-bit", done: "succeeded" }),
      wait("wait-a-bit", meta, {
        poll: "look",
        onDeadline: "escalated",
        deadlineMs,
        timeout: { summary: "Too long.", nextSteps: [] },
      }),
    ];
    expect(build(steps)).toThrow("runbook rotate: wait wait-a-bit has no deadline");
  });

  it("builds the same list with a real deadline", () => {
    const steps = [
      check("look", meta, "look", { "not-yet": "wait-a-bit", done: "succeeded" }),
      wait("wait-a-bit", meta, {
        poll: "look",
        onDeadline: "escalated",
        deadlineMs: 1,
        timeout: { summary: "Too long.", nextSteps: [] },
      }),
    ];
    expect(build(steps)().steps.map((s) => s.id)).toEqual(["look", "wait-a-bit"]);
  });
});

describe("the run clock", () => {
  const at = new Date("2031-02-03T04:05:06.000Z");
  const clock = { now: () => at };

  const done = (id: string, output: Record<string, unknown>) => ({ type: `xstate.done.actor.${id}`, output });

  /** rotate, driven to its durable wait by hand, on `machine`. */
  function toWait(machine: AnyStateMachine): Snap[] {
    const events = [
      done("check-rotation-mode", { outcome: "automatic", plans: [plan("create-key-version")] }),
      { type: "APPROVE", by: "bob", fingerprint: "fp-1" },
      done("create-key-version", { outcome: "done", facts: { newKeyVersion: "v2" } }),
      done("verify-create-key-version", { outcome: "automatic" }),
      done("check-pickup", { outcome: "not-yet" }),
    ];
    const snaps = [initialTransition(machine, input)[0] as unknown as Snap];
    for (const event of events)
      snaps.push(getNextSnapshot(machine, snaps[snaps.length - 1] as never, event as never) as unknown as Snap);
    return snaps;
  }

  it("stamps the start, every log line, each approval and the wait's deadline with the clock it is given", () => {
    const snaps = toWait(RUNBOOKS.rotate.machineWithClock(clock));
    const first = snaps[0]!;
    const last = snaps[snaps.length - 1]!;
    expect(first.context.startedAt).toBe(at.toISOString());
    expect(first.context.log).toEqual([
      { at: at.toISOString(), level: "info", message: "Rotate the registry's key: started by alice for rg/acr1" },
    ]);
    expect(last.value).toBe("wait-pickup");
    expect(last.context.approved["create-key-version"]).toEqual({
      by: "bob",
      at: at.toISOString(),
      fingerprint: "fp-1",
    });
    expect(new Set(last.context.log.map((line) => line.at))).toEqual(new Set([at.toISOString()]));
    expect(last.context.deadline).toBe(new Date(at.getTime() + ROTATION_PICKUP_DEADLINE_MS).toISOString());
  });

  it("leaves the definition's own machine on the wall clock", () => {
    const before = Date.now();
    const [first] = toWait(RUNBOOKS.rotate.machine as AnyStateMachine);
    const started = Date.parse(first!.context.startedAt);
    expect(started).toBeGreaterThanOrEqual(before);
    expect(started).toBeLessThanOrEqual(Date.now());
  });
});

describe("the runbooks and the catalogue", () => {
  it("has a machine for every catalogued runbook, in the catalogue's order, titled by it", () => {
    expect(Object.keys(RUNBOOKS)).toEqual(RUNBOOK_IDS);
    for (const [id, definition] of Object.entries(RUNBOOKS)) {
      expect(definition.id).toBe(id);
      expect(definition.title).toBe(runbookTitle(definition.id));
    }
  });
});
