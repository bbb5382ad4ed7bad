// One shape for what the command line says: with --output json every error is one JSON document on stderr
// ({"error":{"code","message"}}), whether commander or a command refused; help lists every subcommand and incident.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { INCIDENT_NAMES } from "../../src/sandbox/incidents.js";
import { cli, tempDir } from "../fixtures/cli-capture.js";

let home: { dir: string; cleanup(): void };
beforeEach(() => (home = tempDir("acr-cmk-output-")));
afterEach(() => home.cleanup());

function oneJsonError(stderr: string): { code: string; message: string } {
  const lines = stderr.trim().split("\n");
  expect(lines, stderr).toHaveLength(1);
  const parsed = JSON.parse(lines[0]!) as { error: { code: string; message: string } };
  expect(Object.keys(parsed)).toEqual(["error"]);
  expect(typeof parsed.error.message).toBe("string");
  return parsed.error;
}

describe("--output json errors", () => {
  it("a command's refusal is one JSON document on stderr, exit 2, nothing on stdout", async () => {
    const result = await cli(home.dir, "--output", "json", "runs", "show", "no-such-run");
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(oneJsonError(result.stderr)).toEqual({
      code: "usage",
      message: "no run with id no-such-run (see acr-cmk runs list)",
    });
  });

  it("a parse error (unknown option, before or after the command) is JSON too, with the hint in the message", async () => {
    for (const argv of [
      ["--output", "json", "diagnose", "-g", "rg", "-r", "acrcmkdemo", "--bogus"],
      ["runs", "list", "--output=json", "--bogus"],
    ]) {
      const result = await cli(home.dir, ...argv);
      expect(result.code).toBe(2);
      const error = oneJsonError(result.stderr);
      expect(error.code).toBe("usage");
      expect(error.message).toContain("unknown option '--bogus'");
      expect(error.message).not.toMatch(/^error:/);
    }
  });

  it("stays plain text without --output json", async () => {
    const result = await cli(home.dir, "runs", "show", "no-such-run");
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("error: no run with id no-such-run (see acr-cmk runs list)\n");
  });
});

describe("help", () => {
  it("runs --help lists list, show, resume and abort, each with what it does", async () => {
    const result = await cli(home.dir, "runs", "--help");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("runs: list, show, resume, abort");
    for (const sub of ["list", "show [options] <run-id>", "resume [options] <run-id>", "abort [options] <run-id>"]) {
      expect(result.stdout).toMatch(new RegExp(`^  ${sub.replace(/[[\]]/g, "\\$&")}\\s+\\S`, "m"));
    }
  });

  it("sandbox break --help lists every incident", async () => {
    const result = await cli(home.dir, "sandbox", "break", "--help");
    expect(result.code).toBe(0);
    const flat = result.stdout.replace(/\s+/g, " ");
    for (const incident of INCIDENT_NAMES) expect(flat).toContain(` ${incident}`);
  });
});
