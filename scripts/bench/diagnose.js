// Benchmark (not a test): `acr-cmk diagnose` against the in-process sandbox with 50 ms added to every response.
// Prints, per case, the wall time, the Azure calls the probe made (port calls and HTTP requests), and the sequential
// round trips (waves) on the probe's critical path; the target is at most 3 waves. Each case runs without and with the
// incident timeline (Activity Log, Resource Graph, diagnostic settings, audit events): the timeline may add at most one
// wave to the critical path. Run `npm run build` first.
import { performance } from "node:perf_hooks";
import { createSandboxAzure } from "../../dist/cli/sandbox-azure.js";
import { diagnoseRegistry } from "../../dist/diagnosis/index.js";
import { breakWorld, createWorld, memoryStore, worldNow } from "../../dist/sandbox/index.js";

const LATENCY_MS = 50;
const RUNS = 3;

const CASES = [
  { name: "healthy (access policy, user identity)", scenario: {} },
  { name: "key-deleted", scenario: {}, incident: "key-deleted" },
  { name: "vault-deleted", scenario: {}, incident: "vault-deleted" },
  { name: "healthy (RBAC vault)", scenario: { access: "rbac" } },
  { name: "key-deleted (RBAC vault)", scenario: { access: "rbac" }, incident: "key-deleted" },
].flatMap((c) => [
  { ...c, timeline: false },
  { ...c, name: `${c.name} + timeline`, timeline: true },
]);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function runCase({ scenario, incident, timeline }) {
  const world = createWorld(scenario);
  world.settings.latencyMs = LATENCY_MS;
  if (incident) breakWorld(world, incident, worldNow(world));
  const registry = Object.values(world.registries)[0];
  const ref = { resourceGroup: registry.resourceGroup, name: registry.name };
  const walls = [];
  let last;
  for (let i = 0; i < RUNS; i++) {
    // A fresh store and port per run: every run pays the same token and challenge round trips a new CLI process would.
    const store = memoryStore(world);
    const azure = await createSandboxAzure({ store, latencyMs: LATENCY_MS });
    const started = performance.now();
    const report = await diagnoseRegistry(azure, ref, {
      now: () => worldNow(store.read()),
      ...(timeline ? {} : { timeline: false }),
    });
    walls.push(performance.now() - started);
    last = { report, http: store.read().counters.requests - world.counters.requests };
  }
  return { wall: median(walls), ...last };
}

console.log(`diagnose benchmark: sandbox latency ${LATENCY_MS} ms per response, median of ${RUNS} runs\n`);
console.log(
  [
    "case".padEnd(52),
    "wall ms".padStart(8),
    "port calls".padStart(11),
    "HTTP reqs".padStart(10),
    "waves".padStart(6),
    "  top finding",
  ].join(""),
);
let worst = 0;
for (const c of CASES) {
  const { wall, report, http } = await runCase(c);
  const { calls: probeCalls, waves: probeWaves } = report.probe;
  const info = report.timelineInfo;
  const calls = probeCalls + (info?.calls ?? 0);
  const waves = Math.max(probeWaves, info?.wave ?? 0);
  worst = Math.max(worst, waves);
  const top = report.findings[0] ? `${report.findings[0].id} → ${report.findings[0].runbook ?? "-"}` : "(healthy)";
  console.log(
    [
      c.name.padEnd(52),
      wall.toFixed(0).padStart(8),
      String(calls).padStart(11),
      String(http).padStart(10),
      String(waves).padStart(6),
      `  ${top}`,
    ].join(""),
  );
  const byWave = new Map();
  for (const t of report.stats.trace) byWave.set(t.wave, [...(byWave.get(t.wave) ?? []), `${t.call} ${t.ms}ms`]);
  for (const [wave, calls] of [...byWave].sort((a, b) => a[0] - b[0]))
    console.log(`${"".padEnd(6)}wave ${wave}: ${calls.join(", ")}`);
}
console.log(
  `\nsequential waves on the critical path: at most ${worst} (target ≤ 3 for the probe, one more with the timeline)`,
);
console.log(
  "HTTP requests exceed port calls where the SDK adds round trips of its own (Key Vault's 401 challenge on a new client, the ACR token exchange).",
);
