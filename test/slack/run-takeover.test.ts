// The replica's sweep for runs nobody drives. It reads the run list, then resumes: between the two, the run's live
// driver may have stopped at an approval. That run is not abandoned and must stay with the replica that asked.
import { describe, expect, it } from "vitest";
import type { RunEngine, RunSummary, RunTarget, RunView } from "../../src/runs/types.js";
import { silentLog } from "../../src/slack/log.js";
import { RunTakeover } from "../../src/slack/run-takeover.js";
import { fakeVault } from "../fixtures/toy-runbook.js";
import { useToyEngines } from "../runs/fixtures/toy-engines.js";

const target: RunTarget = { subscriptionId: "sub-1", resourceGroup: "rg-acr", registry: "acrprod" };
const toy = useToyEngines("acr-cmk-takeover-");

/** `engine` as a sweep sees it when it reads the run an instant before its driver saved the approval request. */
function seenRunning(engine: RunEngine): RunEngine {
  const running = <T extends RunSummary | RunView>(run: T): T => ({ ...run, status: "running" });
  return Object.assign(Object.create(engine) as RunEngine, {
    list: async () => (await engine.list()).map(running),
    get: async (id: string) => {
      const view = await engine.get(id);
      return view && running(view);
    },
  });
}

describe("the take-over sweep", () => {
  it("leaves a run to its live driver that has just asked for approval", async () => {
    const vault = fakeVault();
    const driver = toy.engineFor(vault);
    const started = await driver.start({ runbook: "key-deleted", target, requester: "alice", driver: "slack" });
    const run = await driver.settled(started.id);
    expect(run.status).toBe("awaiting-approval");

    const taken: string[] = [];
    const sweep = new RunTakeover({
      engine: seenRunning(toy.engineFor(vault)),
      taken: (id) => taken.push(id),
      log: silentLog,
    });
    expect(await sweep.sweep()).toEqual([]);
    expect(taken).toEqual([]);
    const trail = await driver.auditTrail(run.id);
    expect(trail.filter((entry) => entry.action === "lock-handover" || entry.action === "run-resume")).toEqual([]);
    expect(trail.filter((entry) => entry.action === "approval-requested")).toHaveLength(1);
    await driver.approve(run.id, "bob", { fingerprint: "fp-deleted" });
    expect((await driver.settled(run.id)).status).toBe("awaiting-input");
  });
});
