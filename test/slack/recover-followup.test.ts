// Several causes at once in Slack: a recovery fixes one per run, and when its run stops the thread hears what the
// diagnosis says now and how to go on.
import { describe, expect, it } from "vitest";
import { breakWorld } from "../../src/sandbox/index.js";
import { ACTION } from "../../src/slack/action-ids.js";
import { ALICE, BOB, buttonsOn, settle, startedRun, startHarness, threadTexts, waitFor } from "./harness.js";

describe("/acr-cmk recover with a firewall switched on and an access policy removed", () => {
  it("restore grants the access, stops at the firewall, and the thread names firewall-403 as the next fix", async () => {
    const h = await startHarness({ incident: "firewall-403" });
    h.store.update((world, now) => void breakWorld(world, "access-revoked", now));
    await h.command(ALICE, `recover ${h.registry.resourceGroup}/${h.registry.name}`);
    const run = await startedRun(h);
    expect((await h.engine.get(run.runId))?.runbook).toBe("restore");

    let view = await settle(h, run.runId);
    while (view.status === "awaiting-approval") {
      const approve = await waitFor("Approve", () =>
        buttonsOn(h.slack, run.channel, run.ts).find((b) => b.action_id === ACTION.approve),
      );
      await h.click(BOB, approve);
      await waitFor(
        "the approval to take effect",
        async () => (await h.engine.get(run.runId))!.currentStepId !== view.currentStepId,
      );
      view = await settle(h, run.runId);
    }
    expect(view.status).toBe("failed");
    expect(view.error?.step).toBe("verify-registry");
    const told = await waitFor("the diagnosis in the thread", () =>
      threadTexts(h, run.ts).find((text) => text.startsWith("Diagnosis now:")),
    );
    expect(told).toContain("firewall-403 fixes");
    expect(told).toContain(`/acr-cmk recover ${h.registry.resourceGroup}/${h.registry.name}`);
  });
});
