#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm run build`, run by `npm ci` through `prepare`).
import module from "node:module";

// Node's on-disk compile cache (Node >= 22.1; NODE_DISABLE_COMPILE_CACHE=1 turns it off): from the second run on,
// the TUI's large dependency graph (Ink, React, the Azure SDK) loads without being compiled again.
module.enableCompileCache?.();
await import("../dist/cli.js");
