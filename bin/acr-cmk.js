#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm run build`, run by `npm ci` through `prepare`).
// The version check comes before any import that an older Node cannot load (node:sqlite needs 22.13), so a too-old
// Node gets one sentence and exit 2 instead of "No such built-in module". Keep this file plain and dependency-free.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  process.stderr.write(
    `acr-cmk needs Node.js >= 22.13 (found ${process.version}).\n` +
      "Run it through npm, which puts the project's pinned Node 24 first on PATH: npx acr-cmk … (after npm ci),\n" +
      "or install Node.js 24 LTS (https://nodejs.org/en/download) and put it first on PATH.\n",
  );
  process.exit(2);
}

const { default: module } = await import("node:module");
// Node's on-disk compile cache (Node >= 22.1; NODE_DISABLE_COMPILE_CACHE=1 turns it off): from the second run on,
// the TUI's large dependency graph (Ink, React, the Azure SDK) loads without being compiled again.
module.enableCompileCache?.();
await import("../dist/cli.js");
