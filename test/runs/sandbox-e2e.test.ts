// The engine with the real key-deleted runbook against the sandbox, through the real SDK clients.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { actAsApprover, registryHealthy, sandboxEngine } from "./fixtures/sandbox-engines.js";
import type { RunEngine, RunTarget } from "../../src/runs/types.js";
import { breakWorld, createWorld, memoryStore, worldNow, type WorldStore } from "../../src/sandbox/index.js";

let home: string;
let engines: RunEngine[];

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "acr-cmk-e2e-"));
  engines = [];
});
afterEach(async () => {
  for (const engine of engines) await engine.close();
  rmSync(home, { recursive: true, force: true });
});

function brokenWorld(incident: string): { store: WorldStore; target: RunTarget } {
  const world = createWorld({ now: new Date("2030-01-01T00:00:00Z") });
  breakWorld(world, incident, worldNow(world));
  const registry = Object.values(world.registries)[0]!;
  return {
    store: memoryStore(world),
    target: { subscriptionId: world.subscriptionId, resourceGroup: registry.resourceGroup, registry: registry.name },
  };
}

function engineOn(store: WorldStore): RunEngine {
  const engine = sandboxEngine(home, store, "key-deleted");
  engines.push(engine);
  return engine;
}

describe("key-deleted against the sandbox", () => {
  it("stamps the machine's own records (its log) with the engine's clock, not the wall clock", async () => {
    const { store, target } = brokenWorld("key-deleted");
    // A clock in 2040 that still moves: every stamp the run writes must come from it.
    const clock = { now: () => new Date(Date.UTC(2040, 0, 1) + (Date.now() % 86_400_000)) };
    const engine = sandboxEngine(home, store, "key-deleted", { kind: "sandbox" }, clock);
    engines.push(engine);
    const view = await engine.settled(
      (await engine.start({ runbook: "key-deleted", target, requester: "alice", driver: "cli" })).id,
    );
    expect(view.log.length).toBeGreaterThan(0);
    expect(view.log.map((entry) => entry.at.slice(0, 4))).toEqual(view.log.map(() => "2040"));
  });

  for (const incident of ["key-deleted", "vault-deleted"]) {
    it(`${incident}: recovers to a healthy registry with every change audited and no purge`, async () => {
      const { store, target } = brokenWorld(incident);
      expect(registryHealthy(store, target)).toBe(false);
      const engine = engineOn(store);
      let view = await engine.settled(
        (await engine.start({ runbook: "key-deleted", target, requester: "alice", driver: "cli" })).id,
      );
      while (await actAsApprover(engine, view)) view = await engine.settled(view.id);
      expect(view.status, JSON.stringify(view.error ?? view.outcome)).toBe("succeeded");
      expect(registryHealthy(store, target)).toBe(true);
      expect(store.read().counters.purgeRequests).toBe(0);
      const trail = await engine.auditTrail(view.id);
      const writes = trail.filter((e) => e.action === "azure-write");
      expect(writes.length).toBeGreaterThan(0);
      expect(writes.every((e) => e.outcome === "ok" && typeof e.azureRequestId === "string")).toBe(true);
      expect((await engine.verifyAudit()).ok).toBe(true);
    });
  }

  it("crash-resume: stopping at every boundary and resuming in a new engine repeats no change", async () => {
    // Reference run: how many Azure writes a clean recovery makes, and how many person-steps it has.
    const reference = brokenWorld("vault-deleted");
    const refEngine = engineOn(reference.store);
    let ref = await refEngine.settled(
      (await refEngine.start({ runbook: "key-deleted", target: reference.target, requester: "alice", driver: "cli" }))
        .id,
    );
    let boundaries = 0;
    const writesBefore = reference.store.read().counters.writes;
    while (await actAsApprover(refEngine, ref)) {
      boundaries++;
      ref = await refEngine.settled(ref.id);
    }
    expect(ref.status).toBe("succeeded");
    const cleanWrites = reference.store.read().counters.writes - writesBefore;
    expect(boundaries).toBeGreaterThanOrEqual(1);

    for (let stopAt = 0; stopAt <= boundaries; stopAt++) {
      const { store, target } = brokenWorld("vault-deleted");
      const before = store.read().counters.writes;
      let engine = engineOn(store);
      let view = await engine.settled(
        (await engine.start({ runbook: "key-deleted", target, requester: "alice", driver: "cli" })).id,
      );
      let acted = 0;
      for (;;) {
        if (acted === stopAt) {
          await engine.close();
          engine = engineOn(store);
          await engine.resume(view.id, "alice");
          view = await engine.settled(view.id);
        }
        if (!(await actAsApprover(engine, view))) break;
        acted++;
        view = await engine.settled(view.id);
      }
      expect(view.status, `stopped at boundary ${stopAt}`).toBe("succeeded");
      expect(store.read().counters.writes - before, `stopped at boundary ${stopAt}`).toBe(cleanWrites);
      expect(registryHealthy(store, target)).toBe(true);
      expect((await engine.verifyAudit()).ok).toBe(true);
    }
  });
});

describe("identity-removed against the sandbox", () => {
  it("choosing to move encryption when no other identity exists says so instead of ending as if it moved", async () => {
    const { store, target } = brokenWorld("identity-removed");
    const engine = sandboxEngine(home, store, "identity-removed");
    engines.push(engine);
    let view = await engine.settled(
      (await engine.start({ runbook: "identity-removed", target, requester: "alice", driver: "cli" })).id,
    );
    const chosen: string[] = [];
    for (;;) {
      if (view.status === "awaiting-input" && view.input?.stepId === "keep-or-move") {
        await engine.input(view.id, "bob", "move");
        chosen.push("move");
      } else if (!(await actAsApprover(engine, view))) break;
      view = await engine.settled(view.id);
    }
    expect(chosen).toEqual(["move"]);
    expect(view.status).toBe("succeeded");
    expect(view.outcome?.summary).toContain("Encryption was not moved to another identity");
    expect(view.log).toContainEqual(expect.objectContaining({ level: "warn" }));
    expect(await engine.auditTrail(view.id)).toContainEqual(
      expect.objectContaining({ action: "input", details: expect.objectContaining({ value: "move" }) }),
    );
  });
});
