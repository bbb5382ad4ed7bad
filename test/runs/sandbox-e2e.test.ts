// The engine with the real key-deleted runbook against the sandbox, through the real SDK clients.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createCmkAzure } from "../../src/azure/cmk-azure.js";
import { createSandboxCredential } from "../../src/azure/credentials.js";
import { createSandboxHttpClient } from "../../src/azure/sandbox-transport.js";
import { keyDeleted } from "../../src/machines/key-deleted.js";
import { AzureResponseRecorder } from "../../src/runs/azure-calls.js";
import { createRunEngine } from "../../src/runs/engine.js";
import type { RunEngine, RunTarget, RunView } from "../../src/runs/types.js";
import { createSandboxHandler } from "../../src/sandbox/handler.js";
import {
  breakWorld,
  createWorld,
  memoryStore,
  registryKeyAccess,
  worldNow,
  type WorldStore,
} from "../../src/sandbox/index.js";

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
  const responses = new AzureResponseRecorder();
  const azure = createCmkAzure({
    subscriptionId: store.read().subscriptionId,
    credential: createSandboxCredential(),
    httpClient: createSandboxHttpClient(createSandboxHandler({ store })),
    updateIntervalInMs: 0,
    onResponse: responses.onResponse,
  });
  const engine = createRunEngine({
    home,
    azure,
    runbooks: { "key-deleted": keyDeleted },
    responses,
    pollIntervalMs: 10,
  });
  engines.push(engine);
  return engine;
}

/** Acts as the approver "bob" would: approve with the registry typed back, take each choice's default. */
async function step(engine: RunEngine, view: RunView): Promise<boolean> {
  if (view.status === "awaiting-approval") {
    await engine.approve(view.id, "bob", {
      fingerprint: view.approval!.fingerprint,
      confirmation: view.target.registry,
    });
    return true;
  }
  if (view.status === "awaiting-input") {
    await engine.input(view.id, "bob", view.input!.defaultOption ?? view.input!.options[0]!.id);
    return true;
  }
  return false;
}

function healthy(store: WorldStore, target: RunTarget): boolean {
  const world = store.read();
  const registry = Object.values(world.registries).find((r) => r.name === target.registry)!;
  return registryKeyAccess(world, registry, worldNow(world), "unwrap").ok;
}

describe("key-deleted against the sandbox", () => {
  for (const incident of ["key-deleted", "vault-deleted"]) {
    it(`${incident}: recovers to a healthy registry with every change audited and no purge`, async () => {
      const { store, target } = brokenWorld(incident);
      expect(healthy(store, target)).toBe(false);
      const engine = engineOn(store);
      let view = await engine.settled(
        (await engine.start({ runbook: "key-deleted", target, requester: "alice", driver: "cli" })).id,
      );
      while (await step(engine, view)) view = await engine.settled(view.id);
      expect(view.status, JSON.stringify(view.error ?? view.outcome)).toBe("succeeded");
      expect(healthy(store, target)).toBe(true);
      expect(store.read().counters.purgeRequests).toBe(0);
      const trail = engine.auditTrail(view.id);
      const writes = trail.filter((e) => e.action === "azure-write");
      expect(writes.length).toBeGreaterThan(0);
      expect(writes.every((e) => e.outcome === "ok" && typeof e.azureRequestId === "string")).toBe(true);
      expect(engine.verifyAudit().ok).toBe(true);
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
    while (await step(refEngine, ref)) {
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
        if (!(await step(engine, view))) break;
        acted++;
        view = await engine.settled(view.id);
      }
      expect(view.status, `stopped at boundary ${stopAt}`).toBe("succeeded");
      expect(store.read().counters.writes - before, `stopped at boundary ${stopAt}`).toBe(cleanWrites);
      expect(healthy(store, target)).toBe(true);
      expect(engine.verifyAudit().ok).toBe(true);
    }
  });
});
