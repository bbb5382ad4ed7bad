// The fleet scan end to end through the real SDK clients (Resource Graph included) against the sandbox: a mixed fleet
// with several incidents at once, judged against the sandbox's ground truth; an unreadable subscription; throttling.
import { describe, expect, it } from "vitest";
import { createSandboxFleet } from "../../../src/cli/fleet-azure.js";
import { AdaptiveLimiter } from "../../../src/diagnosis/fleet/limiter.js";
import { scanFleet, type ScanReport } from "../../../src/diagnosis/fleet/scan.js";
import { renderScanText } from "../../../src/diagnosis/fleet/scan-text.js";
import {
  breakWorld,
  createWorld,
  memoryStore,
  sandboxStatus,
  worldNow,
  type IncidentName,
  type World,
  type WorldStore,
} from "../../../src/sandbox/index.js";

const LOOK = { everyMs: 10, forMs: 50 };

function fleetWorld(): World {
  return createWorld({ registries: 24, containerGroups: 8, subscriptions: 3, keys: 6 });
}

/** Breaks the key that the n-th registry (1-based) uses, for every user of it. */
function breakKey(store: WorldStore, incident: IncidentName, registryIndex: number): void {
  store.update((world, now) => {
    const registry = Object.values(world.registries)[registryIndex - 1];
    breakWorld(world, incident, now, registry?.name);
  });
}

async function scan(store: WorldStore, options: { subscriptions?: string[]; limiter?: AdaptiveLimiter } = {}) {
  const limiter = options.limiter ?? new AdaptiveLimiter();
  let requests = 0;
  const fleet = createSandboxFleet({ store, gate: limiter, onResponse: () => (requests += 1) });
  const report = await scanFleet(fleet, {
    invocation: "acr-cmk --sandbox",
    limiter,
    missingKeyLook: LOOK,
    now: () => worldNow(store.read()),
    ...(options.subscriptions ? { subscriptions: options.subscriptions } : {}),
  });
  return { report, requests };
}

function truth(store: WorldStore): Map<string, boolean> {
  const world = store.read();
  const status = sandboxStatus(world, worldNow(world));
  return new Map([...status.registries, ...(status.containerGroups ?? [])].map((r) => [r.id.toLowerCase(), r.healthy]));
}

function verdicts(report: ScanReport): Map<string, boolean> {
  return new Map(report.resources.map((r) => [r.id.toLowerCase(), r.healthy]));
}

describe("acr-cmk scan", () => {
  it("judges a mixed fleet with several broken keys at once as the sandbox's ground truth does, one check per key path", async () => {
    const store = memoryStore(fleetWorld());
    breakKey(store, "key-disabled", 1);
    breakKey(store, "access-revoked", 2);
    breakKey(store, "key-deleted", 3);
    breakKey(store, "firewall-403", 4);
    const { report, requests } = await scan(store);

    expect(report.resources).toHaveLength(32);
    expect(verdicts(report)).toEqual(truth(store));
    const unhealthy = report.resources.filter((r) => !r.healthy);
    // Four of six keys broken: their 4 registries each, and the groups that share those keys.
    expect(unhealthy.filter((r) => r.type === "registry")).toHaveLength(16);
    expect(unhealthy.filter((r) => r.type === "containerGroup").length).toBeGreaterThan(0);
    expect(report.resources.slice(0, unhealthy.length).every((r) => !r.healthy)).toBe(true); // worst first

    const byFinding = (id: string) => unhealthy.filter((r) => r.findings.some((f) => f.id === id));
    expect(byFinding("KEY_DISABLED").length).toBeGreaterThan(0);
    expect(byFinding("ACCESS_MISSING").length).toBeGreaterThan(0);
    expect(byFinding("KEY_SOFT_DELETED").length).toBeGreaterThan(0);
    expect(byFinding("FIREWALL_BLOCKS_REGISTRY").length).toBeGreaterThan(0);

    // Container groups only get runbooks whose fix is the key's.
    for (const r of unhealthy.filter((x) => x.type === "containerGroup")) {
      expect([null, "key-deleted", "restore"]).toContain(r.runbook);
    }
    const deleted = byFinding("KEY_SOFT_DELETED");
    expect(deleted.every((r) => r.runbook === "key-deleted")).toBe(true);

    // Six keys, each shared by four registries and some groups; one key path each, checked once.
    expect(report.keys).toHaveLength(6);
    expect(report.keys.reduce((n, k) => n + k.users.length, 0)).toBe(32);
    expect(report.stats.keyPaths).toBe(6);
    expect(report.stats.resourceGraphPages).toBe(1);
    // GET /subscriptions, one Resource Graph page, and a handful per key path (never one per resource).
    expect(requests).toBeLessThanOrEqual(2 + 6 * 8);
    expect(renderScanText(report)).toMatch(
      /kv-acr-cmk-fleet-0\d\/acr-cmk: 4 registries, \d container groups?, \d+ unhealthy/,
    );
  });

  it("lists a subscription it cannot read and scans the others", async () => {
    const world = fleetWorld();
    const hidden = world.subscriptions?.[0];
    if (!hidden) throw new Error("no second subscription");
    hidden.readable = false;
    const store = memoryStore(world);
    const wanted = [world.subscriptionId, hidden.subscriptionId, world.subscriptions?.[1]?.subscriptionId ?? ""];
    const { report } = await scan(store, { subscriptions: wanted });
    const hiddenScan = report.subscriptions.find((s) => s.subscriptionId.toLowerCase() === hidden.subscriptionId);
    expect(hiddenScan).toMatchObject({ readable: false });
    expect(hiddenScan?.reason).toMatch(/not visible/);
    expect(report.subscriptions.filter((s) => s.readable)).toHaveLength(2);
    expect(report.resources.length).toBeGreaterThan(0);
    expect(report.resources.some((r) => r.subscriptionId.toLowerCase() === hidden.subscriptionId.toLowerCase())).toBe(
      false,
    );
    expect(renderScanText(report)).toContain(`subscription ${hidden.subscriptionId.toLowerCase()}: not visible`);
  });

  it("stays within Resource Manager's read budget: 429s are waited out and concurrency steps down", async () => {
    const world = createWorld({ registries: 40, subscriptions: 1, keys: 20 });
    // 4 reads in the bucket, 40 more per second: the scan's reads outrun it many times over.
    world.settings.readBudget = { bucket: 4, refillPerSecond: 40 };
    const store = memoryStore(world);
    breakKey(store, "key-disabled", 1);
    const limiter = new AdaptiveLimiter({ initial: 16, max: 16 });
    const { report } = await scan(store, { limiter });
    expect(report.stats.concurrency.throttled).toBeGreaterThan(0);
    expect(report.stats.concurrency.limit).toBeLessThan(16);
    expect(report.resources.every((r) => !r.findings.some((f) => f.id === "KEY_PATH_UNCHECKED"))).toBe(true);
    expect(verdicts(report)).toEqual(truth(store));
  });
});
