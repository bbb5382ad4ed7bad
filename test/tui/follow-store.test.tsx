// The run screen follows the run's store: a run another process moved (another shell's `runs resume`, the Slack app)
// is shown as it is now within 2 s, without a key press.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createRunEngine } from "../../src/runs/engine.js";
import type { RunEngine, SharedRuns } from "../../src/runs/types.js";
import { fakeAzure, fakeVault, toyRunbook, type FakeKeyVault } from "../fixtures/toy-runbook.js";
import { KEYS, waitForFrame, type FakeEngine } from "./fakes.js";
import { mountTui, type Mounted } from "./harness.js";

const target = { subscriptionId: "sub-1", resourceGroup: "rg-acr", registry: "acrprod" };
let mounted: Mounted | undefined;
let home = "";
const engines: Array<RunEngine & SharedRuns> = [];

function engineOn(vault: FakeKeyVault): RunEngine & SharedRuns {
  const engine = createRunEngine({
    home,
    azure: fakeAzure(vault),
    runbooks: { "key-deleted": toyRunbook(vault) },
    pollIntervalMs: 5,
  });
  engines.push(engine);
  return engine;
}

afterEach(async () => {
  if (mounted) {
    mounted.stdin.write(KEYS.ctrlC);
    await mounted.result.catch(() => undefined);
    mounted = undefined;
  }
  for (const engine of engines.splice(0)) await engine.close();
  vi.useRealTimers();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe("the run screen follows the run's store", () => {
  it("an approval answered and the run finished by another process leave the screen within 2 s", async () => {
    // Only the store-following interval is driven by hand; frames and the engines' promises run as usual.
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    home = mkdtempSync(join(tmpdir(), "acr-cmk-tui-follow-"));
    const vault = fakeVault();
    const here = engineOn(vault);
    const { id } = await here.start({ runbook: "key-deleted", target, requester: "alice", driver: "tui" });
    await here.settled(id);
    mounted = mountTui({ engine: here as unknown as FakeEngine, runId: id, target });
    await waitForFrame(mounted.stdout, (f) => f.includes("Approve this change?"));

    // Another shell: bob approves, chooses, and the run succeeds there.
    const elsewhere = engineOn(vault);
    await elsewhere.approve(id, "bob", { fingerprint: "fp-deleted" });
    await elsewhere.settled(id);
    await elsewhere.input(id, "bob", "skip");
    expect((await elsewhere.settled(id)).status).toBe("succeeded");
    expect(mounted.stdout.lastFrame()).toContain("Approve this change?");

    await vi.advanceTimersByTimeAsync(2000);
    const frame = await waitForFrame(mounted.stdout, (f) => f.includes("Run recovered"));
    expect(frame).not.toContain("Approve this change?");
  });
});
