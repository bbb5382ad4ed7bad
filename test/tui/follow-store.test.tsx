// The run screen follows the run's store: a run another process moved (another shell's `runs resume`, the Slack app)
// is shown as it is now within 2 s, without a key press.
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeVault } from "../fixtures/toy-runbook.js";
import { useToyEngines } from "../runs/fixtures/toy-engines.js";
import type { FakeEngine } from "./fakes.js";
import { mountTui, waitForFrame } from "./harness.js";

const target = { subscriptionId: "sub-1", resourceGroup: "rg-acr", registry: "acrprod" };
const toy = useToyEngines("acr-cmk-tui-follow-");
afterEach(() => void vi.useRealTimers());

describe("the run screen follows the run's store", () => {
  it("an approval answered and the run finished by another process leave the screen within 2 s", async () => {
    // Only the store-following interval is driven by hand; frames and the engines' promises run as usual.
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const vault = fakeVault();
    const here = toy.engineFor(vault);
    const { id } = await here.start({ runbook: "key-deleted", target, requester: "alice", driver: "tui" });
    await here.settled(id);
    const mounted = mountTui({ engine: here as unknown as FakeEngine, runId: id, target });
    await waitForFrame(mounted.stdout, (f) => f.includes("Approve this change?"));

    // Another shell: bob approves, chooses, and the run succeeds there.
    const elsewhere = toy.engineFor(vault);
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
