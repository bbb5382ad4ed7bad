// Start-up figures: `acr-cmk --version` against a bare `node -e 0`, and the time until the TUI's first frame is on a
// real pseudo-terminal (util-linux `script`), with Node's compile cache (what a person gets from the second run on;
// bin/acr-cmk.js turns it on) and without it (the first run after an install or upgrade). Prints figures and the
// machine's load average (figures taken under load are not comparable); asserts nothing.
// Usage: node scripts/bench/startup.js [runs]
import { spawn, spawnSync } from "node:child_process";
import { clearTimeout } from "node:timers";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const bin = join(root, "bin", "acr-cmk.js");
const runs = Math.max(1, Number.parseInt(process.argv[2] ?? process.env.BENCH_RUNS ?? "15", 10) || 15);
const node = process.execPath;

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { min: sorted[0], median: at(0.5), p90: at(0.9) };
}

function fmt(s) {
  return `median ${s.median.toFixed(1)} ms  (min ${s.min.toFixed(1)}, p90 ${s.p90.toFixed(1)})`;
}

function timeCommand(args, env = process.env) {
  const samples = [];
  for (let i = 0; i < runs + 1; i++) {
    const start = nowMs();
    const result = spawnSync(node, args, { env, stdio: "ignore" });
    const elapsed = nowMs() - start;
    if (result.status !== 0) throw new Error(`${args.join(" ")} exited ${result.status}`);
    if (i > 0) samples.push(elapsed); // the first run warms the file cache
  }
  return stats(samples);
}

const shellQuote = (value) => `'${String(value).replace(/'/g, `'\\''`)}'`;

/** Spawns the TUI on a pty and resolves with the ms until its first frame (the home header) is written. */
function firstFrameOnce(home, extraEnv) {
  return new Promise((resolve, reject) => {
    const inner = `stty cols 80 rows 24; exec ${shellQuote(node)} ${shellQuote(bin)} --sandbox`;
    const start = nowMs();
    const child = spawn("script", ["-qfc", inner, "/dev/null"], {
      env: { ...process.env, ACR_CMK_HOME: home, NO_COLOR: "1", TERM: "xterm-256color", ...extraEnv },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let output = "";
    let done = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no first frame within 10 s; output so far: ${JSON.stringify(output.slice(-300))}`));
    }, 10_000);
    child.stdout.on("data", (chunk) => {
      output += chunk.toString("utf8");
      if (!done && output.includes("acr-cmk") && output.includes("home")) {
        done = true;
        const elapsed = nowMs() - start;
        clearTimeout(timer);
        child.stdin.write("q");
        setTimeout(() => child.kill("SIGTERM"), 200);
        child.on("exit", () => resolve(elapsed));
      }
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

async function firstFrame(extraEnv = {}) {
  if (spawnSync("script", ["--version"], { stdio: "ignore" }).status !== 0) return undefined;
  const home = mkdtempSync(join(tmpdir(), "acr-cmk-bench-"));
  try {
    const init = spawnSync(node, [bin, "sandbox", "init"], {
      env: { ...process.env, ACR_CMK_HOME: home },
      stdio: "ignore",
    });
    if (init.status !== 0) throw new Error("sandbox init failed");
    const samples = [];
    for (let i = 0; i < runs + 1; i++) {
      const elapsed = await firstFrameOnce(home, extraEnv);
      if (i > 0) samples.push(elapsed);
    }
    return stats(samples);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
console.log(
  `start-up, ${runs} runs each (node ${process.version}, ${process.platform}/${process.arch}; load ${load()})`,
);
const bare = timeCommand(["-e", "0"]);
console.log(`  node -e 0                 ${fmt(bare)}`);
const version = timeCommand([bin, "--version"]);
console.log(`  acr-cmk --version         ${fmt(version)}`);
console.log(`    over bare node          +${(version.median - bare.median).toFixed(1)} ms (target: within 110 ms)`);
const frame = await firstFrame();
if (frame) {
  console.log(`  TUI first frame (pty)     ${fmt(frame)} (target: ≤ 400 ms)`);
  const cold = await firstFrame({ NODE_DISABLE_COMPILE_CACHE: "1" });
  console.log(`    without compile cache   ${fmt(cold)}`);
} else {
  console.log("  TUI first frame           not measured: needs util-linux `script` for a pseudo-terminal");
}
console.log(`  load average at the end   ${load()}`);
