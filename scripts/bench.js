// `npm run bench`: runs every benchmark in scripts/bench/ one after another and lets each print its figures.
// Benchmarks are never tests: nothing here asserts a time. Needs a build (npm run build) first.
import { readdirSync, existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
if (!existsSync(join(root, "dist", "cli.js"))) {
  console.error("bench: no build found; run `npm run build` first");
  process.exit(2);
}
const only = process.argv.slice(2);
const dir = join(root, "scripts", "bench");
const benches = readdirSync(dir)
  .filter((f) => f.endsWith(".js"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
let failed = 0;
for (const file of benches) {
  console.log(`\n=== ${file}`);
  const result = spawnSync(process.execPath, [join(dir, file)], { stdio: "inherit", cwd: root });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
