// `acr-cmk … | head`: when the reader goes away the command neither dies on a stack trace nor loses its exit code.
// Spawns bin/acr-cmk.js, which runs dist/: `npm test` builds first.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../../bin/acr-cmk.js", import.meta.url));

function runWithClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.destroy(); // the reader is gone before the command writes anything
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stderr })));
}

describe("a closed stdout", () => {
  it("keeps the exit code of a command that succeeds (0) and of one that finds a problem (1)", async () => {
    const ok = await runWithClosedStdout(["runbooks", "show", "key-deleted"]);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    const unknown = await runWithClosedStdout(["triage", "nothing to see here"]);
    expect(unknown.stderr).toBe("");
    expect(unknown.code).toBe(1);
  });
});
