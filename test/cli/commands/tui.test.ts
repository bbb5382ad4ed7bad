// `acr-cmk` on a terminal without a subscription, against the sandbox in-process: the subscription comes from the
// sandbox's own list (one, so taken without asking), and a listing that fails is on screen and then the CLI's error.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tuiCommand } from "../../../src/cli/commands/tui.js";
import type { CliContext } from "../../../src/cli/context.js";
import { UsageError } from "../../../src/errors.js";
import { breakWorld, worldNow } from "../../../src/sandbox/index.js";
import { createWorld } from "../../../src/sandbox/scenarios.js";
import { fileStore, initFileStore } from "../../../src/sandbox/store.js";
import { until } from "../../fixtures/until.js";
import { FakeStdin, FakeStdout, KEYS } from "../../tui/fakes.js";
import { screenShows } from "../../tui/harness.js";

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "acr-cmk-tui-command-"));
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

/** An 80×24 terminal in sandbox mode; `ctx.azure()` is the flags' way in, which this path must not take. */
function terminal(sandbox: string): { ctx: CliContext; stdout: FakeStdout; stdin: FakeStdin } {
  const stdout = Object.assign(new FakeStdout(80, 24), { isTTY: true });
  const stdin = new FakeStdin();
  const ctx: CliContext = {
    globals: { output: "text", color: false, verbose: false, home, sandbox },
    env: {},
    stdout: stdout as unknown as CliContext["stdout"],
    stderr: new PassThrough(),
    stdin: stdin as unknown as CliContext["stdin"],
    azure: () => Promise.reject(new Error("the subscription was chosen in the TUI: ctx.azure() is not used")),
  };
  return { ctx, stdout, stdin };
}

function readWorld(stateFile: string) {
  const world = fileStore(stateFile).read();
  return { vaults: Object.values(world.vaults) };
}

describe("acr-cmk on a terminal without a subscription", () => {
  it("takes the sandbox's only subscription, says so, and lists its registries", async () => {
    const stateFile = join(home, "sandbox.json");
    const world = createWorld({});
    initFileStore(stateFile, world);
    const { ctx, stdout, stdin } = terminal(stateFile);
    const exit = tuiCommand(ctx, {});
    await screenShows(stdout, "Which registry?");
    expect(stdout.allText()).toContain("acr-cmk sandbox (the only subscription)");
    expect(stdout.allText()).toContain("rg-acr-cmk-demo/acrcmkdemo");
    expect(stdout.allText()).not.toContain("Which subscription?");
    stdin.write("q");
    await expect(exit).resolves.toBe(0);
  });

  it("shows why the subscriptions cannot be listed, and reports it as bad usage after q", async () => {
    const { ctx, stdout, stdin } = terminal(join(home, "missing.json"));
    const exit = tuiCommand(ctx, {});
    await screenShows(stdout, "Could not list subscriptions");
    expect(stdout.allText()).toContain("sandbox init");
    stdin.write("q");
    await expect(exit).rejects.toThrow(UsageError);
  });

  it("lists a fleet's container groups with their health; a broken group's recovery runs on the group from the TUI", async () => {
    const stateFile = join(home, "sandbox.json");
    const world = createWorld({ registries: 2, containerGroups: 2, keys: 2 });
    // Registry 1's key is also group 2's: both break, and the unhealthy come first (registries, then groups).
    breakWorld(world, "key-deleted", worldNow(world));
    initFileStore(stateFile, world);
    const { ctx, stdout, stdin } = terminal(stateFile);
    const exit = tuiCommand(ctx, {});
    await screenShows(stdout, "ci-acr-cmk-02 ACI group · ✖ KEY_SOFT_DELETED · key-deleted");
    await screenShows(stdout, "key kv-acr-cmk-fleet-01/acr-cmk: 1 registry, 1 container group, 2 unhealthy");
    await screenShows(stdout, "Which registry or container group?");
    expect(stdout.allText()).toMatch(/ci-acr-cmk-01\s+ACI group · ✔ healthy/);

    stdin.write(KEYS.down);
    await screenShows(stdout, "❯ rg-acr-cmk-fleet/ci-acr-cmk-02");
    stdin.write(KEYS.enter);
    await screenShows(stdout, "✖ Not healthy: container group rg-acr-cmk-fleet/ci-acr-cmk-02");
    await screenShows(stdout, "Start recovery: key-deleted");
    stdin.write(KEYS.enter);
    await screenShows(stdout, "key-deleted run");
    await screenShows(stdout, "Approve this change?");
    // The header is cut at 80 columns; the step's words are the group's.
    expect(stdout.allText()).toMatch(/key-deleted run \S+ · rg-acr-cmk-fleet\/ci-acr-cmk-/);
    expect(stdout.allText()).toContain("so the container group's");
    stdin.write("a");
    // The key is back in the vault: the group's run recovered it.
    await until("the key recovered", () => {
      const vault = readWorld(stateFile).vaults.find((v) => v.name === "kv-acr-cmk-fleet-01");
      return vault?.keys["acr-cmk"] !== undefined && !vault.keys["acr-cmk"].deleted;
    });
    stdin.write("q");
    await expect(exit).resolves.toBe(0);
  });
});
