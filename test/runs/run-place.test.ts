// The engine records where a run acts and refuses to continue it anywhere else: a sandbox run is never picked up by
// an engine connected to Azure (or to another sandbox), whatever the driver asks.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AzurePlace } from "../../src/azure/types.js";
import { describePlace, samePlace } from "../../src/runs/run-place.js";
import { RunRefused, type RunEngine, type RunTarget } from "../../src/runs/types.js";
import { breakWorld, createWorld, memoryStore, worldNow, type WorldStore } from "../../src/sandbox/index.js";
import { driveToEnd, sandboxEngine } from "./fixtures/sandbox-engines.js";

const drill: AzurePlace = { kind: "sandbox", stateFile: "/drills/one.json" };

let home: string;
let engines: RunEngine[];
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "acr-cmk-place-"));
  engines = [];
});
afterEach(async () => {
  for (const engine of engines) await engine.close();
  rmSync(home, { recursive: true, force: true });
});

function brokenWorld(): { store: WorldStore; target: RunTarget } {
  const world = createWorld({ now: new Date("2030-01-01T00:00:00Z") });
  breakWorld(world, "access-revoked", worldNow(world));
  const registry = Object.values(world.registries)[0]!;
  return {
    store: memoryStore(world),
    target: { subscriptionId: world.subscriptionId, resourceGroup: registry.resourceGroup, registry: registry.name },
  };
}

function engineAt(store: WorldStore, place: AzurePlace): RunEngine {
  const engine = sandboxEngine(home, store, "restore", place);
  engines.push(engine);
  return engine;
}

/** A restore run started in `drill`, waiting at its first approval, with its engine closed. */
async function waitingRun(store: WorldStore, target: RunTarget): Promise<string> {
  const first = engineAt(store, drill);
  const started = await first.start({ runbook: "restore", target, requester: "alice", driver: "cli" });
  expect((await first.settled(started.id)).status).toBe("awaiting-approval");
  expect((await first.get(started.id))?.place).toEqual(drill);
  await first.close();
  return started.id;
}

describe("a run acts only where it started", () => {
  it("an engine connected to Azure refuses a sandbox run, and nothing changes", async () => {
    const { store, target } = brokenWorld();
    const runId = await waitingRun(store, target);
    const writes = store.read().counters.writes;
    const cloud = engineAt(store, { kind: "cloud" });
    const refusal = cloud.resume(runId, "bob");
    await expect(refusal).rejects.toBeInstanceOf(RunRefused);
    await expect(refusal).rejects.toMatchObject({ reason: "wrong-place" });
    await expect(cloud.approve(runId, "bob")).rejects.toMatchObject({ reason: "wrong-place" });
    expect(store.read().counters.writes).toBe(writes);
  });

  it("an engine on another sandbox state file refuses it too; the run's own sandbox finishes it", async () => {
    const { store, target } = brokenWorld();
    const runId = await waitingRun(store, target);
    const other = engineAt(store, { kind: "sandbox", stateFile: "/drills/two.json" });
    await expect(other.resume(runId, "bob")).rejects.toThrow(
      "acts in the sandbox at /drills/one.json, but acr-cmk is connected to the sandbox at /drills/two.json",
    );
    await other.close();
    const own = engineAt(store, drill);
    await own.resume(runId, "bob");
    expect((await driveToEnd(own, runId)).status).toBe("succeeded");
  });
});

describe("samePlace and describePlace", () => {
  it("tells Azure from a sandbox, and one state file from another", () => {
    expect(samePlace({ kind: "cloud" }, { kind: "cloud" })).toBe(true);
    expect(samePlace({ kind: "cloud" }, drill)).toBe(false);
    expect(samePlace(drill, { kind: "sandbox", stateFile: "/drills/one.json" })).toBe(true);
    expect(samePlace(drill, { kind: "sandbox", stateFile: "/drills/two.json" })).toBe(false);
    expect(samePlace(drill, { kind: "sandbox" })).toBe(true);
    expect(describePlace({ kind: "cloud" })).toBe("Azure");
    expect(describePlace(drill)).toBe("the sandbox at /drills/one.json");
    expect(describePlace({ kind: "sandbox", url: "https://127.0.0.1:8443" })).toBe(
      "the sandbox served at https://127.0.0.1:8443",
    );
  });
});
