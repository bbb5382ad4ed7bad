// `runInTui` (the TUI driver of `acr-cmk run` / `recover` / `runs resume` on a terminal): the person at the terminal
// approves as themselves, and the run follows the terminal's policy on self-approval whatever the command line asked.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { CliContext } from "../../src/cli/context.js";
import { runInTui } from "../../src/cli/commands/tui.js";
import type { RunEngine } from "../../src/runs/types.js";
import { fakeAzure, fakeVault } from "../fixtures/toy-runbook.js";
import { useToyEngines } from "../runs/fixtures/toy-engines.js";
import { FakeStdin, FakeStdout } from "./fakes.js";
import { screenShows } from "./harness.js";

const target = { subscriptionId: "sub-1", resourceGroup: "rg-acr", registry: "acrprod" };
const toy = useToyEngines("acr-cmk-run-in-tui-");
let engine: RunEngine | undefined;

/** A terminal (80×24 TTY) and the environment `acr-cmk` would see. */
function terminalContext(env: Record<string, string>): { ctx: CliContext; stdout: FakeStdout; stdin: FakeStdin } {
  const stdout = Object.assign(new FakeStdout(80, 24), { isTTY: true });
  const stdin = new FakeStdin();
  const vault = fakeVault();
  const ctx: CliContext = {
    globals: { output: "text", color: false, verbose: false, home: toy.home },
    env,
    stdout: stdout as unknown as CliContext["stdout"],
    stderr: new PassThrough(),
    stdin: stdin as unknown as CliContext["stdin"],
    azure: async () => fakeAzure(vault),
  };
  engine = toy.engineFor(vault, { approvers: (env.ACR_CMK_APPROVERS ?? "").split(",").filter(Boolean) });
  return { ctx, stdout, stdin };
}

/** alice's run as `acr-cmk run … --yes` starts it: self-approval asked for on the command line. */
async function aliceRunWithYes(e: RunEngine): Promise<string> {
  const { id } = await e.start({
    runbook: "key-deleted",
    target,
    requester: "alice",
    driver: "cli",
    selfApprove: true,
  });
  await e.settled(id);
  return id;
}

describe("runInTui", () => {
  it("lets the requester approve their own change when no approvers are named", async () => {
    const { ctx, stdout, stdin } = terminalContext({});
    const id = await aliceRunWithYes(engine!);
    const exit = runInTui(ctx, engine!, id, "alice");
    await screenShows(stdout, "Press a to approve as alice");
    stdin.write("a");
    await screenShows(stdout, "Wait for the registry to pick the key up?");
    stdin.write("q");
    expect(await exit).toBeGreaterThanOrEqual(0);
    expect((await engine!.auditTrail(id)).filter((e) => e.action === "approve").map((e) => e.outcome)).toEqual([
      "approved",
    ]);
  });

  it("does not let --yes override named approvers: the requester is refused and told who may approve", async () => {
    const { ctx, stdout, stdin } = terminalContext({ ACR_CMK_APPROVERS: "bob" });
    const id = await aliceRunWithYes(engine!);
    const exit = runInTui(ctx, engine!, id, "alice");
    await screenShows(stdout, "Who may approve: bob (ACR_CMK_APPROVERS).");
    stdin.write("a");
    await screenShows(stdout, "alice started this run and cannot approve its own change");
    stdin.write("q");
    await exit;
    expect(stdout.allText()).toContain(`Resume it with: acr-cmk runs resume ${id}`);
    expect((await engine!.get(id))?.status).toBe("awaiting-approval");
    expect((await engine!.auditTrail(id)).filter((e) => e.action === "approve").map((e) => e.outcome)).toEqual([
      "refused: self-approval",
    ]);
  });

  it("lets a requester who is a named approver approve their own change", async () => {
    const { ctx, stdout, stdin } = terminalContext({ ACR_CMK_APPROVERS: "alice,bob" });
    const { id } = await engine!.start({ runbook: "key-deleted", target, requester: "alice", driver: "cli" });
    await engine!.settled(id);
    const exit = runInTui(ctx, engine!, id, "alice");
    await screenShows(stdout, "Press a to approve as alice");
    stdin.write("a");
    await screenShows(stdout, "Wait for the registry to pick the key up?");
    stdin.write("q");
    await exit;
    expect((await engine!.auditTrail(id)).filter((e) => e.action === "approve").map((e) => e.actor)).toEqual(["alice"]);
  });
});
