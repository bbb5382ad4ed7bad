// Walks a runbook through its change steps against an in-memory sandbox world, as `--yes` would, and keeps for each
// approved change the `az` command acr-cmk showed for it, the world just before, and the world the runbook's own SDK
// call left. The printed-command tests then run that `az` command on a copy of the "before" world.
import type { RunbookId } from "../../src/diagnosis/types.js";
import { createSandboxAzure } from "../../src/cli/sandbox-azure.js";
import { RUNBOOKS } from "../../src/machines/index.js";
import {
  advanceClock,
  breakWorld,
  createWorld,
  findRegistry,
  memoryStore,
  worldNow,
  type ScenarioOptions,
  type World,
} from "../../src/sandbox/index.js";
import { settled, startRun, type RunSnapshot } from "../machines/harness.js";

export interface WalkCase {
  name: string;
  runbook: RunbookId;
  scenario?: ScenarioOptions;
  incidents?: string[];
  /** A change to the world before the run starts (beyond what an incident does). */
  before?: (world: World, now: Date) => void;
  /** Answers to inputs (and choices offered at approvals), by state. */
  choices?: Record<string, string | ((snapshot: RunSnapshot) => string)>;
  /** Which approved steps to keep (default: all). */
  steps?: string[];
  /** Steps whose change Azure refuses in this world (their printed command must be refused too). */
  refused?: string[];
}

export interface ApprovedChange {
  case: string;
  runbook: RunbookId;
  stepId: string;
  /** The command the approval showed, placeholders filled. */
  az: string;
  before: World;
  after: World;
}

const HOUR = 3_600_000;

/** The ids every world gets, so one `az login` covers them all (GUIDs: replaced exactly). */
export function rekey(world: World, ids: { subscriptionId: string; tenantId: string }): World {
  const text = JSON.stringify(world)
    .replaceAll(world.subscriptionId, ids.subscriptionId)
    .replaceAll(world.tenantId, ids.tenantId);
  return JSON.parse(text) as World;
}

export async function walk(c: WalkCase, ids: { subscriptionId: string; tenantId: string }): Promise<ApprovedChange[]> {
  const store = memoryStore(rekey(createWorld(c.scenario ?? {}), ids));
  for (const incident of c.incidents ?? []) store.update((w, now) => breakWorld(w, incident, now));
  if (c.before) store.update((w, now) => c.before?.(w, now));
  // The sandbox picks rotations up in moments here, as the CLI round-trip tests let it.
  store.update((w) => void (w.settings.rotationPickupMs = 0));
  const registry = findRegistry(store.read());
  const azure = createSandboxAzure({ store });
  const definition = RUNBOOKS[c.runbook];
  const actors = definition.actors(azure, {
    now: () => worldNow(store.read()),
    missingKeyLook: { everyMs: 5, forMs: 50 },
  });
  const target = { subscriptionId: ids.subscriptionId, resourceGroup: registry.resourceGroup, registry: registry.name };
  const run = startRun(definition, azure, target, actors);
  const changes: ApprovedChange[] = [];
  const choose = (s: RunSnapshot, value: string): string | undefined => {
    const choice = c.choices?.[value];
    return typeof choice === "function" ? choice(s) : choice;
  };
  for (let i = 0; i < 60; i++) {
    const s = await settled(run.actor);
    if (s.status !== "active") return changes;
    const value = String(s.value);
    if (s.hasTag("approval")) {
      const choice = choose(s, value);
      if (choice) {
        run.actor.send({ type: "INPUT", by: "bob@example.com", value: choice });
        continue;
      }
      const pending = s.context.pendingApproval;
      if (!pending) throw new Error(`${c.name}: approval ${value} without a pending approval`);
      const before = structuredClone(store.read());
      run.actor.send({ type: "APPROVE", by: "bob@example.com", fingerprint: pending.fingerprint });
      await settled(run.actor);
      if (!c.steps || c.steps.includes(pending.stepId)) {
        changes.push({
          case: c.name,
          runbook: c.runbook,
          stepId: pending.stepId,
          az: pending.az,
          before,
          after: structuredClone(store.read()),
        });
      }
    } else if (s.hasTag("input")) {
      const pending = s.context.pendingInput;
      const choice = choose(s, value) ?? pending?.defaultOption ?? pending?.options[0]?.id;
      if (!choice) throw new Error(`${c.name}: no choice for ${value}`);
      run.actor.send({ type: "INPUT", by: "bob@example.com", value: choice });
    } else if (s.hasTag("wait")) {
      store.update((w) => void advanceClock(w, HOUR));
      run.actor.send({ type: "POLL" });
    } else {
      throw new Error(`${c.name}: the run stopped at ${value}: ${s.context.lastError?.message ?? "no error"}`);
    }
  }
  throw new Error(`${c.name}: the run did not end`);
}
