// Benchmark (not a test): two incidents at once, as real outages often are. For every pair of sandbox incidents that
// can coexist, on an access-policy and an RBAC vault: `sandbox break a`, `sandbox break b`, `recover --yes`, then the
// sandbox's ground truth. Prints how each pair ended and a tally (healthy / unrecoverable / stopped with advice).
// Drives the real binary (bin/acr-cmk.js, which runs dist/): run `npm run build` first. Takes a few minutes.
import { mkdtempSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/acr-cmk.js", import.meta.url));
const INCIDENTS = [
  "key-deleted",
  "vault-deleted",
  "key-purged",
  "identity-removed",
  "firewall-403",
  "access-revoked",
  "key-disabled",
  "key-expired",
];
const SCENARIOS = ["default", "rbac"];

function cli(home, args) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, ACR_CMK_HOME: home, CI: "true" },
    encoding: "utf8",
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const tally = new Map();
let pairs = 0;
for (const scenario of SCENARIOS) {
  for (let i = 0; i < INCIDENTS.length; i++) {
    for (let j = i + 1; j < INCIDENTS.length; j++) {
      const [a, b] = [INCIDENTS[i], INCIDENTS[j]];
      const home = mkdtempSync(join(tmpdir(), "acr-cmk-pairs-"));
      try {
        // Some incidents exclude others in one order only (a deleted key cannot also be disabled): try both.
        const broke = (first, second) =>
          cli(home, ["sandbox", "init", "--scenario", scenario]).code === 0 &&
          cli(home, ["sandbox", "break", first]).code === 0 &&
          cli(home, ["sandbox", "break", second]).code === 0;
        if (!broke(a, b) && !broke(b, a)) continue;
        pairs++;
        const status = JSON.parse(cli(home, ["sandbox", "status", "--output", "json"]).stdout).registries[0];
        const run = cli(home, [
          "--sandbox",
          "--output",
          "json",
          "recover",
          "-g",
          status.resourceGroup,
          "-r",
          status.name,
          "--yes",
        ]);
        let runs = [];
        try {
          const body = JSON.parse(run.stdout);
          runs = body.runs ?? (body.run ? [{ runbook: body.run.runbook, status: body.run.status }] : []);
        } catch {
          runs = [{ runbook: "?", status: "no JSON" }];
        }
        const after = JSON.parse(cli(home, ["sandbox", "status", "--output", "json"]).stdout).registries[0];
        const last = runs[runs.length - 1]?.status ?? "none";
        const verdict = after.healthy ? "healthy" : last === "unrecoverable" ? "unrecoverable" : `stopped (${last})`;
        tally.set(verdict, (tally.get(verdict) ?? 0) + 1);
        const path = runs.map((r) => `${r.runbook}:${r.status}`).join(" → ");
        console.log(`${scenario.padEnd(8)} ${`${a} + ${b}`.padEnd(34)} exit ${run.code}  ${verdict.padEnd(22)} ${path}`);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    }
  }
}
console.log(`\n${pairs} pairs: ${[...tally].map(([k, v]) => `${v} ${k}`).join(", ")}`);
