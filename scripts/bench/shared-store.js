// Benchmark (not a test): 50 concurrent key-deleted recoveries across 2 replicas (two engines, each with its own
// store client; SQLite's share one connection per file in a process) on one store, against one sandbox world of 50
// registries. Each run starts on one replica and is approved on the other (as a click landing on another replica
// would be). Prints p50 / p99 from the approval to the Azure call it releases, how long all 50 approvals took, and
// the store operations per step, for Azure Storage (Azurite, started here on loopback) and for the SQLite store.
// Run `npm run build` first.
import { Buffer } from "node:buffer";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { createSandboxAzure } from "../../dist/cli/sandbox-azure.js";
import { storageOperations } from "../../dist/azure/storage/client.js";
import { RUNBOOKS } from "../../dist/machines/index.js";
import { createRunEngine } from "../../dist/runs/engine.js";
import { WRITE_METHODS } from "../../dist/runs/azure-calls.js";
import { breakWorld, createWorld, demoNames, memoryStore, worldNow } from "../../dist/sandbox/index.js";

const RUNS = 50;
const KEY = Buffer.from("acr-cmk bench key, not a secret").toString("base64");

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function startAzurite() {
  const main = join(dirname(createRequire(import.meta.url).resolve("azurite/package.json")), "dist/src/azurite.js");
  const args = [main, "--silent", "--skipApiVersionCheck", "--disableTelemetry", "--inMemoryPersistence"];
  for (const service of ["blob", "table", "queue"]) args.push(`--${service}Host=127.0.0.1`, `--${service}Port=0`);
  const child = spawn(process.execPath, args, { env: { ...process.env, AZURITE_ACCOUNTS: `bench:${KEY}` } });
  const ports = await new Promise((resolve, reject) => {
    let out = "";
    const found = {};
    child.stdout.on("data", (chunk) => {
      out += chunk;
      for (const m of out.matchAll(
        /Azurite (Blob|Table) service is successfully listening at http:\/\/127\.0\.0\.1:(\d+)/g,
      ))
        found[m[1]] = m[2];
      if (found.Blob && found.Table) resolve(found);
    });
    child.once("exit", (code) => reject(new Error(`azurite exited (${code}): ${out}`)));
  });
  const store =
    `DefaultEndpointsProtocol=http;AccountName=bench;AccountKey=${KEY};` +
    `BlobEndpoint=http://127.0.0.1:${ports.Blob}/bench;TableEndpoint=http://127.0.0.1:${ports.Table}/bench;`;
  return { store, stop: () => new Promise((resolve) => (child.once("exit", resolve), child.kill("SIGTERM"))) };
}

/** The sandbox port with a stopwatch: when did each registry's first Azure write leave? */
function timedAzure(azure, firstWriteAt) {
  return new Proxy(azure, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || !WRITE_METHODS.has(String(property))) return value;
      return (...args) => {
        const name = JSON.stringify(args);
        if (!firstWriteAt.has(name)) firstWriteAt.set(name, performance.now());
        return value.apply(target, args);
      };
    },
  });
}

async function bench(label, store) {
  const home = mkdtempSync(join(tmpdir(), "acr-cmk-bench-store-"));
  const world = createWorld({ registries: RUNS, now: new Date("2030-01-01T00:00:00Z") });
  const rg = Object.values(world.registries)[0].resourceGroup;
  for (let i = 1; i <= RUNS; i++) breakWorld(world, "key-deleted", worldNow(world), demoNames(i, RUNS).registry);
  const worldStore = memoryStore(world);
  const firstWriteAt = new Map();
  const replicas = [0, 1].map(() =>
    createRunEngine({
      home,
      ...(store ? { store } : {}),
      azure: timedAzure(createSandboxAzure({ store: worldStore }), firstWriteAt),
      runbooks: RUNBOOKS,
      approvers: ["UBOB"],
      pollIntervalMs: 50,
    }),
  );
  const opsBefore = storageOperations();
  const targets = Array.from({ length: RUNS }, (_, i) => ({
    subscriptionId: world.subscriptionId ?? Object.values(world.registries)[0].subscriptionId,
    resourceGroup: rg,
    registry: demoNames(i + 1, RUNS).registry,
  }));
  const started = await Promise.all(
    targets.map(async (target, i) => {
      const engine = replicas[i % 2];
      const view = await engine.start({ runbook: "key-deleted", target, requester: "UALICE", driver: "slack" });
      return engine.settled(view.id);
    }),
  );
  const waiting = started.filter((view) => view.status === "awaiting-approval");
  const clickedAt = new Map();
  const approvalsFrom = performance.now();
  await Promise.all(
    waiting.map(async (view, i) => {
      const other = replicas[(i + 1) % 2];
      clickedAt.set(view.id, performance.now());
      await other.approve(view.id, "UBOB", { fingerprint: view.approval.fingerprint });
      await other.settled(view.id);
    }),
  );
  const approvalsMs = performance.now() - approvalsFrom;
  const vaultOf = (registry) => demoNames(Number(registry.slice(-2)), RUNS).vault;
  /** Sorted times from each run's `since(view)` to its Azure call. */
  const toAzureCall = (since) =>
    waiting
      .map((view) => {
        // The first write of a key-deleted recovery names the key's vault (recover the deleted key).
        const key = [...firstWriteAt.keys()].find((name) => name.includes(vaultOf(view.target.registry)));
        return key ? firstWriteAt.get(key) - since(view) : undefined;
      })
      .filter((ms) => ms !== undefined)
      .sort((a, b) => a - b);
  const latencies = toAzureCall((view) => clickedAt.get(view.id));
  // From the moment all the clicks were made: a process whose event loop is held by a store call takes the next
  // click only when the call returns, so its per-approval figure starts late; this one does not.
  const fromAllClicks = toAzureCall(() => approvalsFrom);
  const ops = storageOperations() - opsBefore;
  // Each run as the replica that approved it drives it (the other may still hold a copy it has not let go of yet).
  let steps = 0;
  for (const [i, view] of waiting.entries()) {
    steps += (await replicas[(i + 1) % 2].get(view.id))?.steps.filter((s) => s.status !== "pending").length ?? 0;
  }
  for (const engine of replicas) await engine.close();
  rmSync(home, { recursive: true, force: true });
  const ms = (v) => `${v.toFixed(1)} ms`;
  console.log(
    `${label}: ${waiting.length}/${RUNS} runs approved across 2 replicas; approval → Azure call p50 ${ms(percentile(latencies, 50))}, ` +
      `p99 ${ms(percentile(latencies, 99))}, max ${ms(latencies.at(-1))} (${latencies.length} measured), ` +
      `from all ${waiting.length} clicks p50 ${ms(percentile(fromAllClicks, 50))}, p99 ${ms(percentile(fromAllClicks, 99))}; ` +
      `all approvals done in ${ms(approvalsMs)}; ` +
      (store
        ? `store operations ${ops} for ${steps} steps = ${(ops / steps).toFixed(1)} per step`
        : "store operations: in-process SQLite statements (no round trips)"),
  );
}

const azurite = await startAzurite();
try {
  await bench("Azure Storage (Azurite)", azurite.store);
} finally {
  await azurite.stop();
}
await bench("SQLite (one ACR_CMK_HOME)", undefined);
