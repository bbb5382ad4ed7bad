// `npm run docs`: writes docs/runbooks/<id>.md from the built machines (run `npm run build` first).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
let machines;
let docs;
try {
  machines = await import("../dist/machines/index.js");
  docs = await import("../dist/machines/docs.js");
} catch (error) {
  console.error(
    `cannot load dist/machines (${error instanceof Error ? error.message : String(error)}): run \`npm run build\` first`,
  );
  process.exit(2);
}

const out = join(root, "docs", "runbooks");
mkdirSync(out, { recursive: true });
for (const definition of Object.values(machines.RUNBOOKS)) {
  const file = join(out, `${definition.id}.md`);
  writeFileSync(file, docs.runbookMarkdown(definition));
  console.log(`wrote ${file}`);
}
