// The launcher on a machine whose `node` is too old: one sentence naming the version found and how to get a newer
// one, exit 2, before anything else loads; and the Node pinned in package.json (the npm package `node`, first on
// PATH for npm scripts and npx) runs the CLI on that same machine. Spawns bin/acr-cmk.js, which runs dist/.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = `${ROOT}bin/acr-cmk.js`;
// Debian's node on this project's machines is 20: the case the check exists for.
const SYSTEM_NODE = "/usr/bin/node";

describe("bin/acr-cmk.js on an old Node", () => {
  it("refuses with the version found and how to get Node 24, exit 2, printing nothing else", () => {
    const version = spawnSync(SYSTEM_NODE, ["--version"], { encoding: "utf8" }).stdout.trim();
    expect(version, `${SYSTEM_NODE} must be older than 22.13 for this test`).toMatch(
      /^v(1\d|20|21|22\.([0-9]|1[0-2]))\./,
    );
    const result = spawnSync(SYSTEM_NODE, [BIN, "recover", "-g", "rg", "-r", "acr", "--sandbox"], {
      encoding: "utf8",
    });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.split("\n")[0]).toBe(`acr-cmk needs Node.js >= 22.13 (found ${version}).`);
    expect(result.stderr).toContain("npx acr-cmk");
    expect(result.stderr).toContain("https://nodejs.org/");
    expect(result.stderr).not.toMatch(/node:sqlite|Error|at /);
  });

  it("runs under the pinned Node when node_modules/.bin comes first on PATH, as npx and npm scripts put it", () => {
    const pinned = `${ROOT}node_modules/.bin/node`;
    expect(existsSync(pinned), "the npm package `node` is a dependency").toBe(true);
    const result = spawnSync(BIN, ["--version"], {
      encoding: "utf8",
      env: { ...process.env, PATH: `${ROOT}node_modules/.bin:/usr/bin:/bin` },
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
