// Benchmark (not a test): `acr-cmk scan` over a fleet of 1,000 registries and 200 container groups in 3 subscriptions
// sharing 20 keys, every sandbox request taking 50 ms (`sandbox init --latency 50`), with one shared key broken.
// Prints the scan's wall time, CPU time, peak resident memory and HTTP requests, then the same fleet diagnosed one
// registry at a time (`diagnose` per registry, in one process, one after another) and the ratio. The one-at-a-time
// pass diagnoses a sample (FLEET_BENCH_SAMPLE, default 100; `all` for every registry) and scales its mean to the
// fleet; it says which it did. Run `npm run build` first.
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createSandboxAzure } from "../../dist/cli/sandbox-azure.js";
import { diagnoseRegistry } from "../../dist/diagnosis/index.js";
import { worldNow } from "../../dist/sandbox/index.js";

const REGISTRIES = 1000;
const GROUPS = 200;
const SUBSCRIPTIONS = 3;
const KEYS = 20;
const LATENCY_MS = 50;
const sampleSetting = process.env.FLEET_BENCH_SAMPLE ?? "100";

const home = mkdtempSync(join(tmpdir(), "acr-cmk-bench-fleet-"));
const state = join(home, "sandbox.json");
const bin = join(process.cwd(), "bin", "acr-cmk.js");
const env = { ...process.env, ACR_CMK_HOME: home, NO_COLOR: "1" };

function cli(args, { timed = false } = {}) {
  const command = timed ? "/usr/bin/time" : process.execPath;
  const argv = timed ? ["-f", "TIME %M %e %U %S", process.execPath, bin, ...args] : [bin, ...args];
  return spawnSync(command, argv, { env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
}

const world = () => JSON.parse(readFileSync(state, "utf8"));

try {
  const init = cli([
    "--sandbox",
    state,
    "sandbox",
    "init",
    "--registries",
    String(REGISTRIES),
    "--container-groups",
    String(GROUPS),
    "--subscriptions",
    String(SUBSCRIPTIONS),
    "--keys",
    String(KEYS),
    "--latency",
    String(LATENCY_MS),
  ]);
  if (init.status !== 0) throw new Error(`sandbox init failed: ${init.stderr}`);
  const broke = cli(["--sandbox", state, "sandbox", "break", "key-disabled", "--key", "kv-acr-cmk-fleet-07/acr-cmk"]);
  if (broke.status !== 0) throw new Error(`sandbox break failed: ${broke.stderr}`);

  // ---- the scan, as a user runs it (a fresh process on the state file)
  const before = world().counters.requests;
  const timedScan = existsSync("/usr/bin/time");
  const started = performance.now();
  const scan = cli(["--sandbox", state, "scan", "--output", "json"], { timed: timedScan });
  const scanWallMs = performance.now() - started;
  if (scan.status !== 1) throw new Error(`scan exited ${scan.status} (expected 1: one key broken)\n${scan.stderr}`);
  const report = JSON.parse(scan.stdout);
  const scanRequests = world().counters.requests - before;
  const time = /TIME (\d+) ([\d.]+) ([\d.]+) ([\d.]+)/.exec(scan.stderr);
  const unhealthy = report.resources.filter((r) => !r.healthy).length;

  console.log(
    `fleet: ${REGISTRIES} registries + ${GROUPS} container groups, ${SUBSCRIPTIONS} subscriptions, ${KEYS} keys, ${LATENCY_MS} ms per request`,
  );
  console.log(`  (one key broken: key-disabled on kv-acr-cmk-fleet-07/acr-cmk)\n`);
  console.log("acr-cmk scan (one process, state file)");
  console.log(`  wall                 ${(scanWallMs / 1000).toFixed(2)} s (process start included; target <= 10 s)`);
  console.log(`  scan's own elapsed   ${(report.stats.elapsedMs / 1000).toFixed(2)} s`);
  if (time) {
    console.log(
      `  CPU                  ${(Number(time[3]) + Number(time[4])).toFixed(2)} s (user ${time[3]} + sys ${time[4]})`,
    );
    console.log(`  peak RSS             ${(Number(time[1]) / 1024).toFixed(0)} MB (target <= 300 MB)`);
  }
  console.log(
    `  HTTP requests        ${scanRequests} (Resource Graph pages ${report.stats.resourceGraphPages}, key paths ${report.stats.keyPaths})`,
  );
  console.log(`  resources            ${report.resources.length}, unhealthy ${unhealthy}`);
  console.log(
    `  concurrency          peak ${report.stats.concurrency.peak}, final limit ${report.stats.concurrency.limit}, 429s ${report.stats.concurrency.throttled}`,
  );

  // ---- the scan in cloud mode through `sandbox serve --proxy`: the client's own memory, without the simulated Azure
  const server = spawn(process.execPath, [bin, "--sandbox", state, "sandbox", "serve", "--proxy"], {
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const [line] = await once(createInterface({ input: server.stdout }), "line");
    const served = JSON.parse(line);
    const cloudEnv = {
      PATH: process.env.PATH,
      HOME: home,
      ACR_CMK_HOME: home,
      NO_COLOR: "1",
      HTTPS_PROXY: served.proxyUrl,
      NODE_EXTRA_CA_CERTS: served.caCertPath,
      AZURE_CLIENT_ID: "acr-cmk-bench",
      AZURE_CLIENT_SECRET: "not-a-secret",
      AZURE_TENANT_ID: served.tenantId,
    };
    const cloudBefore = world().counters.requests;
    const cloudStarted = performance.now();
    const cloud = spawnSync(
      "/usr/bin/time",
      ["-f", "TIME %M %e %U %S", process.execPath, bin, "scan", "--all-subscriptions", "--output", "json"],
      {
        env: cloudEnv,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    const cloudMs = performance.now() - cloudStarted;
    const t = /TIME (\d+) ([\d.]+) ([\d.]+) ([\d.]+)/.exec(cloud.stderr);
    console.log("\nacr-cmk scan in cloud mode through sandbox serve --proxy (the client process alone)");
    if (cloud.status !== 1 || !t) {
      console.log(`  failed: exit ${cloud.status}\n${cloud.stderr.slice(0, 2000)}`);
    } else {
      console.log(`  wall                 ${(cloudMs / 1000).toFixed(2)} s`);
      console.log(`  CPU                  ${(Number(t[3]) + Number(t[4])).toFixed(2)} s`);
      console.log(`  peak RSS             ${(Number(t[1]) / 1024).toFixed(0)} MB`);
      console.log(
        `  HTTP requests        ${world().counters.requests - cloudBefore} (token requests to the sign-in endpoint not counted)`,
      );
    }
  } finally {
    server.kill("SIGTERM");
    await once(server, "close");
  }

  // ---- the same fleet, one registry at a time
  const registries = Object.values(world().registries);
  const sample = sampleSetting === "all" ? registries : registries.slice(0, Math.max(1, Number(sampleSetting) || 100));
  const ports = new Map();
  const port = (sub) => {
    if (!ports.has(sub)) ports.set(sub, createSandboxAzure({ stateFile: state, subscriptionId: sub }));
    return ports.get(sub);
  };
  const beforeOne = world().counters.requests;
  const oneStarted = performance.now();
  let oneUnhealthy = 0;
  for (const r of sample) {
    const sub = /^\/subscriptions\/([^/]+)/.exec(r.id)[1];
    const out = await diagnoseRegistry(
      port(sub),
      { resourceGroup: r.resourceGroup, name: r.name },
      {
        now: () => worldNow(world()),
      },
    );
    if (!out.healthy) oneUnhealthy += 1;
  }
  const oneMs = performance.now() - oneStarted;
  const oneRequests = world().counters.requests - beforeOne;
  const perRegistryMs = oneMs / sample.length;
  const fleetMs = perRegistryMs * registries.length;
  const scaled = sample.length < registries.length;
  console.log(`\none registry at a time (diagnose, sequential, ${sample.length} of ${registries.length} registries)`);
  console.log(
    `  wall                 ${(oneMs / 1000).toFixed(1)} s, ${perRegistryMs.toFixed(0)} ms per registry, ${(oneRequests / sample.length).toFixed(1)} requests per registry`,
  );
  console.log(`  unhealthy found      ${oneUnhealthy} of ${sample.length}`);
  console.log(
    `  whole fleet          ${(fleetMs / 1000).toFixed(0)} s${scaled ? " (scaled from the sample)" : ""}, ` +
      `${Math.round((oneRequests / sample.length) * registries.length)} requests${scaled ? " (scaled)" : ""}`,
  );
  console.log(
    `\nratio: one at a time / scan = ${(fleetMs / scanWallMs).toFixed(1)}x wall, ${(((oneRequests / sample.length) * registries.length) / scanRequests).toFixed(1)}x requests`,
  );
} finally {
  rmSync(home, { recursive: true, force: true });
}
