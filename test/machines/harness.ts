// Test harness for runbook machines: a sandbox world behind the real SDK clients, a real actor, and helpers that
// wait for the machine to settle (waiting for a person, or ended) the way the engine would.
import { createActor, type AnyActorRef, type AnyStateMachine, type SnapshotFrom } from "xstate";
import { createSandboxAzure } from "../../src/cli/sandbox-azure.js";
import type { CmkAzure } from "../../src/azure/types.js";
import { createWorld, type ScenarioOptions } from "../../src/sandbox/scenarios.js";
import { breakWorld, findRegistry } from "../../src/sandbox/incidents.js";
import { memoryStore, type WorldStore } from "../../src/sandbox/store.js";
import type { World } from "../../src/sandbox/world.js";
import { sandboxStatus } from "../../src/sandbox/status.js";
import { advanceClock, worldNow } from "../../src/sandbox/clock.js";

/** `sandbox advance`: moves the sandbox clock (rotation pickup, expiry follow it). */
export function advance(sb: Sandbox, ms: number): void {
  sb.store.update((w) => void advanceClock(w, ms));
}
import type { RunbookWithSpec } from "../../src/machines/index.js";
import type { RunbookContext } from "../../src/machines/run-context.js";
import type { ContainerGroupTarget, RegistryTarget, RunTarget } from "../../src/runs/types.js";
import { containerGroupKeyAccess, containerGroups } from "../../src/sandbox/fleet.js";

export interface Sandbox {
  store: WorldStore;
  azure: CmkAzure;
  target: RegistryTarget;
  world(): World;
}

/** Can the registry read its key right now: the sandbox's ground truth (what `sandbox status` reports). */
export function groundTruth(sb: Sandbox): { healthy: boolean; reason: string | null } {
  const world = sb.world();
  const status = sandboxStatus(world, worldNow(world));
  const registry = status.registries.find((r) => r.name === sb.target.registry);
  if (!registry) throw new Error("registry missing from sandbox status");
  return { healthy: registry.healthy, reason: registry.reason };
}

/** A world with one registry and one ACI container group sharing its key, vault and identity. */
export const GROUP_WORLD: ScenarioOptions = { containerGroups: 1, keys: 1 };

/** The world's (first) container group as a run's target. */
export function groupTarget(sb: Sandbox): ContainerGroupTarget {
  const group = containerGroups(sb.world())[0];
  if (!group) throw new Error("the sandbox has no container group");
  return { subscriptionId: sb.world().subscriptionId, resourceGroup: group.resourceGroup, containerGroup: group.name };
}

/** Can the container group unwrap its key right now: the sandbox's ground truth for it. */
export function groupGroundTruth(sb: Sandbox): { ok: boolean; reason: string | null } {
  const world = sb.world();
  const group = containerGroups(world)[0];
  if (!group) throw new Error("the sandbox has no container group");
  const access = containerGroupKeyAccess(world, group, worldNow(world));
  return { ok: access.ok, reason: access.reason };
}

export function sandbox(options: ScenarioOptions = {}, incidents: string[] = []): Sandbox {
  const world = createWorld(options);
  const store = memoryStore(world);
  for (const incident of incidents) store.update((w, now) => breakWorld(w, incident, now));
  const registry = findRegistry(store.read());
  const azure = createSandboxAzure({ store });
  return {
    store,
    azure,
    target: {
      subscriptionId: store.read().subscriptionId,
      resourceGroup: registry.resourceGroup,
      registry: registry.name,
    },
    world: () => store.read(),
  };
}

export type RunSnapshot = { value: unknown; status: string; context: RunbookContext; hasTag(tag: string): boolean };

export function startRun(
  definition: RunbookWithSpec,
  azure: CmkAzure,
  target: RunTarget,
  actors?: Record<string, unknown>,
) {
  const machine = (definition.machine as AnyStateMachine).provide({
    // Looks again at a missing key quickly: the sandbox finishes deletions in its own short window.
    actors: (actors ?? definition.actors(azure, { missingKeyLook: { everyMs: 5, forMs: 50 } })) as never,
  });
  const actor = createActor(machine, { input: { target, requester: "alice@example.com", dryRun: false } });
  const visited: string[] = [];
  actor.subscribe({
    next: (s: SnapshotFrom<AnyStateMachine>) => {
      const value = String(s.value);
      if (visited[visited.length - 1] !== value) visited.push(value);
    },
    error: () => undefined,
  });
  actor.start();
  return { actor, visited, snapshot: () => actor.getSnapshot() as unknown as RunSnapshot };
}

/** Resolves when the run waits for a person (approval, input, wait, failed) or has ended. */
export function settled(actor: AnyActorRef, timeoutMs = 10_000): Promise<RunSnapshot> {
  return new Promise((resolve, reject) => {
    const isSettled = (s: RunSnapshot) => s.status !== "active" || !s.hasTag("busy");
    const now = actor.getSnapshot() as RunSnapshot;
    if (isSettled(now)) return resolve(now);
    const timer = setTimeout(() => {
      sub.unsubscribe();
      reject(
        new Error(`run did not settle in ${timeoutMs} ms (at ${String((actor.getSnapshot() as RunSnapshot).value)})`),
      );
    }, timeoutMs);
    const sub = actor.subscribe((s: RunSnapshot) => {
      if (isSettled(s)) {
        clearTimeout(timer);
        sub.unsubscribe();
        resolve(s);
      }
    });
  });
}

/** Drives a run like `--yes`: approves every change with the shown fingerprint, picks the default (or given) input. */
export async function autoRun(
  run: ReturnType<typeof startRun>,
  choices: Record<string, string> = {},
  onWait: () => void = () => undefined,
  maxSteps = 60,
): Promise<RunSnapshot> {
  const switched = new Set<string>();
  for (let i = 0; i < maxSteps; i++) {
    const s = await settled(run.actor);
    if (s.status !== "active") return s;
    const value = String(s.value);
    if (s.hasTag("approval") && choices[value] && !switched.has(value)) {
      switched.add(value);
      run.actor.send({ type: "INPUT", by: "bob@example.com", value: choices[value] as string });
    } else if (s.hasTag("approval")) {
      run.actor.send({
        type: "APPROVE",
        by: "bob@example.com",
        fingerprint: String(s.context.pendingApproval?.fingerprint),
      });
    } else if (s.hasTag("input")) {
      const pending = s.context.pendingInput;
      const choice = choices[value] ?? pending?.defaultOption ?? pending?.options[0]?.id;
      if (!choice) throw new Error(`no choice for ${value}`);
      run.actor.send({ type: "INPUT", by: "bob@example.com", value: choice });
    } else if (s.hasTag("wait")) {
      onWait();
      run.actor.send({ type: "POLL" });
    } else {
      return s; // failed: a person decides
    }
  }
  throw new Error("run did not end");
}
