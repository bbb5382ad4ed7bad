// A key's blast radius on approvals: revoke, restore and rotate against a fleet world whose registries and container
// groups share keys, through the engine, the real runbooks and the real SDK clients (Resource Graph included).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RunRefused, type RunEngine, type RunTarget, type RunView } from "../../src/runs/types.js";
import { breakWorld, createWorld, memoryStore, type WorldStore } from "../../src/sandbox/index.js";
import { sandboxEngine } from "./fixtures/sandbox-engines.js";

let home: string;
let engines: RunEngine[];
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "acr-cmk-blast-"));
  engines = [];
});
afterEach(async () => {
  for (const engine of engines) await engine.close();
  rmSync(home, { recursive: true, force: true });
});

/** 6 registries and 2 container groups on 2 keys, in one subscription: the first key has 3 registries and 1 group. */
function fleet(): { store: WorldStore; target: RunTarget } {
  const world = createWorld({ registries: 6, containerGroups: 2, keys: 2, now: new Date("2030-01-01T00:00:00Z") });
  const registry = Object.values(world.registries)[0]!;
  return {
    store: memoryStore(world),
    target: { subscriptionId: world.subscriptionId, resourceGroup: registry.resourceGroup, registry: registry.name },
  };
}

async function untilApproval(engine: RunEngine, id: string): Promise<RunView> {
  let view = await engine.settled(id);
  while (view.status === "awaiting-input") {
    const wanted = view.input!.options.find((o) => o.id === "disable-key") ?? view.input!.options[0]!;
    await engine.input(id, "alice", wanted.id);
    view = await engine.settled(id);
  }
  return view;
}

/** A revoke run on `target`, stopped at the revoke's own approval (steps before it, a key backup say, approved by bob). */
async function revokeUpToItsApproval(
  store: WorldStore,
  target: RunTarget,
): Promise<{ engine: RunEngine; view: RunView }> {
  const engine = sandboxEngine(home, store, "revoke");
  engines.push(engine);
  const started = await engine.start({ runbook: "revoke", target, requester: "alice", driver: "cli" });
  let view = await untilApproval(engine, started.id);
  while (view.status === "awaiting-approval" && view.approval!.stepId !== "revoke-access") {
    await engine.approve(view.id, "bob", { fingerprint: view.approval!.fingerprint, confirmation: target.registry });
    view = await untilApproval(engine, view.id);
  }
  return { engine, view };
}

describe("blast radius", () => {
  it("a revoke of a shared key says first how many it cuts off and wants that number typed back", async () => {
    const { store, target } = fleet();
    const { engine, view } = await revokeUpToItsApproval(store, target);
    expect(view.status).toBe("awaiting-approval");
    const approval = view.approval!;
    // 3 registries and 1 container group read the first key's version.
    expect(approval.title).toMatch(/^This cuts off 4 resources, not only acrcmkfleet01: /);
    expect(approval.confirmText).toBe("4");
    expect(approval.blastRadius?.affected).toHaveLength(4);
    expect(approval.before).toMatch(/Also reading this key: .*container group ci-acr-cmk-/);

    const writesBefore = store.read().counters.writes;
    await expect(
      engine.approve(view.id, "bob", { fingerprint: approval.fingerprint, confirmation: target.registry }),
    ).rejects.toMatchObject({ reason: "confirmation-required" } satisfies Partial<RunRefused>);
    expect(store.read().counters.writes).toBe(writesBefore);
    await engine.approve(view.id, "bob", { fingerprint: approval.fingerprint, confirmation: "4" });
    await engine.settled(view.id);
    expect(store.read().counters.writes).toBeGreaterThan(writesBefore);
  });

  it("restore of a disabled shared key version lists the others it gives the key back to, without a count to type", async () => {
    const { store, target } = fleet();
    store.update((world, now) => void breakWorld(world, "key-disabled", now, target.registry));
    const engine = sandboxEngine(home, store, "restore");
    engines.push(engine);
    const started = await engine.start({ runbook: "restore", target, requester: "alice", driver: "cli" });
    const view = await untilApproval(engine, started.id);
    expect(view.status).toBe("awaiting-approval");
    expect(view.approval!.stepId).toBe("enable-key");
    expect(view.approval!.before).toMatch(
      /3 other resources read this key: registry acrcmkfleet03, registry acrcmkfleet05/,
    );
    expect(view.approval!.confirmText).toBeUndefined();
  });

  it("a registry whose key nobody else reads gets the approval it always had", async () => {
    const world = createWorld({ now: new Date("2030-01-01T00:00:00Z") });
    const registry = Object.values(world.registries)[0]!;
    const store = memoryStore(world);
    const target = {
      subscriptionId: world.subscriptionId,
      resourceGroup: registry.resourceGroup,
      registry: registry.name,
    };
    const { view } = await revokeUpToItsApproval(store, target);
    expect(view.approval!.title).not.toMatch(/cuts off/);
    expect(view.approval!.confirmText).toBeUndefined();
    expect(view.approval!.blastRadius).toBeUndefined();
  });
});
