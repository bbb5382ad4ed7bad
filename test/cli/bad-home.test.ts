// ACR_CMK_HOME that cannot be used (a file, a read-only folder, a damaged runs database): the command names the path
// and what to do, exits 2, and leaves a damaged database byte for byte as it was. Spawns bin/acr-cmk.js (dist/).
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../../bin/acr-cmk.js", import.meta.url));
// root ignores file modes: run the read-only case as `nobody` then, so the folder really is unwritable.
const AS_NOBODY = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "acr-cmk-bad-home-"));
  chmodSync(dir, 0o755);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(home: string, args: string[], extra: object = {}) {
  const env = { ...process.env, ACR_CMK_HOME: home, NO_COLOR: "1" };
  return spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env, ...extra });
}

describe("a bad ACR_CMK_HOME", () => {
  it("naming a file: says so and what to do, exit 2, for runs and for the sandbox", () => {
    const file = join(dir, "home");
    writeFileSync(file, "not a folder");
    for (const args of [
      ["runs", "list"],
      ["sandbox", "init"],
      ["recover", "-g", "rg", "-r", "acrcmkdemo", "--sandbox"],
    ]) {
      const result = run(file, args);
      expect(result.stderr, args.join(" ")).toContain(`${file} is a file, not a folder`);
      expect(result.stderr).toContain("Set ACR_CMK_HOME to a folder");
      expect(result.stderr).not.toContain("unexpected error");
      expect(result.status, args.join(" ")).toBe(2);
    }
    expect(readFileSync(file, "utf8")).toBe("not a folder");
  });

  it("read-only: names the folder and says to make it writable or choose another, exit 2", () => {
    const home = join(dir, "ro");
    mkdirSync(home);
    chmodSync(home, 0o555);
    const runs = run(home, ["runs", "list"], AS_NOBODY);
    expect(runs.stderr).toContain(`cannot open the runs database ${join(home, "runs.sqlite")} for writing`);
    expect(runs.stderr).toContain("set ACR_CMK_HOME to a folder that is");
    expect(runs.status).toBe(2);
    const init = run(join(home, "sub"), ["sandbox", "init"], AS_NOBODY);
    expect(init.stderr).toContain(`cannot write to ${join(home, "sub")}`);
    expect(init.status).toBe(2);
  });

  it("with a damaged runs database: names it, says how to move it aside, exit 2, and never rewrites it", () => {
    const home = join(dir, "home");
    mkdirSync(home);
    expect(run(home, ["sandbox", "init"]).status).toBe(0);
    expect(run(home, ["sandbox", "break", "key-deleted"]).status).toBe(0);
    const database = join(home, "runs.sqlite");
    const garbage = Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919) % 251));
    writeFileSync(database, garbage);
    for (const args of [
      ["runs", "list"],
      ["recover", "-g", "rg-acr-cmk-demo", "-r", "acrcmkdemo", "--sandbox", "--yes"],
    ]) {
      const result = run(home, args);
      expect(result.stderr, args.join(" ")).toContain(`the runs database ${database} is damaged`);
      expect(result.stderr).toContain(`mv ${database} ${database}.broken`);
      expect(result.status, args.join(" ")).toBe(2);
      expect(readFileSync(database).equals(garbage)).toBe(true);
    }
  });
});
