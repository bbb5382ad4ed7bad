// How long a diagnosis or run looks again for a key in neither Key Vault list: the sandbox's own window in sandbox
// mode; against Azure the default, or ACR_CMK_MISSING_KEY_LOOK_MS, checked like every other input.
import { describe, expect, it } from "vitest";
import { commandTiming } from "../../src/cli/sandbox-timing.js";
import type { GlobalOptions } from "../../src/cli/context.js";
import { UsageError } from "../../src/errors.js";
import { cli, tempDir } from "../fixtures/cli-capture.js";

const cloud: GlobalOptions = { output: "text", color: false, verbose: false, home: "/nonexistent" };

describe("the missing-key look", () => {
  it("against Azure: the runbook's and probe's defaults unless ACR_CMK_MISSING_KEY_LOOK_MS is set", async () => {
    expect(await commandTiming({ globals: cloud, env: {} })).toEqual({});
    expect(await commandTiming({ globals: cloud, env: { ACR_CMK_MISSING_KEY_LOOK_MS: "4500" } })).toEqual({
      missingKeyLook: { everyMs: 300, forMs: 4500 },
    });
    expect(await commandTiming({ globals: cloud, env: { ACR_CMK_MISSING_KEY_LOOK_MS: "0" } })).toEqual({
      missingKeyLook: { everyMs: 100, forMs: 0 },
    });
  });

  it("refuses a value that is not a whole number of milliseconds up to ten minutes", async () => {
    for (const bad of ["soon", "-1", "1.5", "600001"]) {
      await expect(commandTiming({ globals: cloud, env: { ACR_CMK_MISSING_KEY_LOOK_MS: bad } })).rejects.toThrow(
        UsageError,
      );
    }
  });

  it("in sandbox mode follows the sandbox's own deletion window", async () => {
    const temp = tempDir();
    try {
      expect((await cli(temp.dir, "sandbox", "init")).code).toBe(0);
      const timing = await commandTiming({
        globals: { ...cloud, sandbox: `${temp.dir}/sandbox.json` },
        env: { ACR_CMK_MISSING_KEY_LOOK_MS: "1" },
      });
      expect(timing.missingKeyLook?.forMs).toBeGreaterThanOrEqual(3_000);
      expect(typeof timing.now).toBe("function");
    } finally {
      temp.cleanup();
    }
  });
});
