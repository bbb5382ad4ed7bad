// Crash-resume for every runbook, through the engine, the real SDK clients and the sandbox: the process "dies" right
// after each Azure write has landed in Azure but before its response reached the run (the worst moment: Azure changed,
// the run does not know it). A new engine resumes the run from what was persisted; it must reach the same end as an
// uninterrupted run, with exactly as many Azure writes (no change repeated), the registry in the same health, no purge
// and an intact audit chain.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { driveToEnd, registryHealthy, sandboxEngine } from "./fixtures/sandbox-engines.js";
import type { RunbookId } from "../../src/diagnosis/types.js";
import type { RunEngine, RunTarget } from "../../src/runs/types.js";
import {
  breakWorld,
  createWorld,
  memoryStore,
  worldNow,
  type ScenarioOptions,
  type World,
  type WorldStore,
} from "../../src/sandbox/index.js";

interface Case {
  runbook: RunbookId;
  setup: ScenarioOptions;
  incident?: string;
}

const CASES: Case[] = [
  { runbook: "key-deleted", setup: {}, incident: "key-deleted" },
  { runbook: "key-deleted", setup: { access: "rbac" }, incident: "vault-deleted" },
  { runbook: "identity-removed", setup: {}, incident: "identity-removed" },
  { runbook: "firewall-403", setup: {}, incident: "firewall-403" },
  { runbook: "restore", setup: { access: "rbac" }, incident: "access-revoked" },
  { runbook: "restore", setup: {}, incident: "key-disabled" },
  { runbook: "revoke", setup: {} },
  { runbook: "rotate", setup: { keyVersion: "pinned" } },
];

let home: string;
let engines: RunEngine[];
const crashPoints: Array<{ run: string; writes: number }> = [];
afterAll(() => {
  const total = crashPoints.reduce((sum, p) => sum + p.writes, 0);
  console.log(`crash points resumed: ${total} (${crashPoints.map((p) => `${p.run} ${p.writes}`).join(", ")})`);
});

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "acr-cmk-crash-"));
  engines = [];
});
afterEach(async () => {
  for (const engine of engines) await engine.close();
  rmSync(home, { recursive: true, force: true });
});

function world(c: Case): World {
  const w = createWorld({ ...c.setup, now: new Date("2030-01-01T00:00:00Z") });
  if (c.incident) breakWorld(w, c.incident, worldNow(w));
  return w;
}

function targetOf(w: World): RunTarget {
  const registry = Object.values(w.registries)[0]!;
  return { subscriptionId: w.subscriptionId, resourceGroup: registry.resourceGroup, registry: registry.name };
}

/** A store that calls `onWrite` with the running count each time an update changed Azure (counters.writes grew). */
function watchedStore(inner: WorldStore, onWrite: (writes: number) => void): WorldStore {
  const start = inner.read().counters.writes;
  return {
    read: () => inner.read(),
    update(fn) {
      const before = inner.read().counters.writes;
      const result = inner.update(fn);
      const after = inner.read().counters.writes;
      if (after > before) onWrite(after - start);
      return result;
    },
  };
}

function engineOn(store: WorldStore, runbook: RunbookId): RunEngine {
  const engine = sandboxEngine(home, store, runbook);
  engines.push(engine);
  return engine;
}

describe("crash right after each Azure write, then resume in a new engine", () => {
  for (const c of CASES) {
    it(`${c.runbook}${c.incident ? ` on ${c.incident}` : ""}${c.setup.access === "rbac" ? " (RBAC vault)" : ""}`, async () => {
      // Reference: an uninterrupted run.
      const refWorld = world(c);
      const target = targetOf(refWorld);
      let refWrites = 0;
      const refStore = watchedStore(memoryStore(refWorld), (n) => (refWrites = n));
      const refEngine = engineOn(refStore, c.runbook);
      const started = await refEngine.start({ runbook: c.runbook, target, requester: "alice", driver: "cli" });
      const reference = await driveToEnd(refEngine, started.id);
      expect(refWrites, `${c.runbook} changes something`).toBeGreaterThan(0);
      const refHealthy = registryHealthy(refStore, target);

      for (let crashAt = 1; crashAt <= refWrites; crashAt++) {
        const label = `${c.runbook}: crash after write ${crashAt} of ${refWrites}`;
        const crash: { engine?: RunEngine; closed?: Promise<void> } = {};
        let writes = 0;
        const crashWorld = world(c);
        const target = targetOf(crashWorld);
        const store = watchedStore(memoryStore(crashWorld), (n) => {
          writes = n;
          // The write is in Azure; the process dies before the response reaches the run.
          if (n === crashAt) crash.closed = crash.engine?.close();
        });
        const first = (crash.engine = engineOn(store, c.runbook));
        const run = await first.start({ runbook: c.runbook, target, requester: "alice", driver: "cli" });
        // Drive until the crash: the closed engine refuses further calls, which ends this loop.
        await driveToEnd(first, run.id).catch(() => undefined);
        expect(writes, label).toBe(crashAt);
        // The store's calls are promises: the dead engine has let go of its lock once its close has settled.
        await crash.closed;

        const second = engineOn(store, c.runbook);
        await second.resume(run.id, "alice");
        const end = await driveToEnd(second, run.id);
        expect(end.status, `${label}: ${JSON.stringify(end.error ?? end.outcome)}`).toBe(reference.status);
        expect(writes, `${label}: no change repeated`).toBe(refWrites);
        expect(registryHealthy(store, target), label).toBe(refHealthy);
        expect(store.read().counters.purgeRequests, label).toBe(0);
        expect((await second.verifyAudit()).ok, label).toBe(true);
      }
      crashPoints.push({ run: `${c.runbook}${c.incident ? `/${c.incident}` : ""}`, writes: refWrites });
    });
  }
});
