// An irreversible change (purge protection) needs the registry name typed back in a modal before the engine approves.
import { describe, expect, it } from "vitest";
import { ACTION, VIEW } from "../../../../src/slack/action-ids.js";
import { CONFIRM_BLOCK, CONFIRM_INPUT } from "../../../../src/slack/blocks/modals.js";
import { ALICE, BOB, buttonsOn, settle, startedRun, startHarness, STRANGER, waitFor } from "../../harness.js";

describe("the stronger approval", () => {
  it("choosing purge protection, then approving it with the registry name typed back, turns it on", async () => {
    const h = await startHarness({ incident: "key-deleted", scenario: { scenario: "no-purge-protection" } });
    await h.command(ALICE, `recover ${h.registry.resourceGroup}/${h.registry.name}`);
    const run = await startedRun(h);
    let view = await settle(h, run.runId);
    // Approve the recovery steps until the run offers purge protection.
    while (view.status === "awaiting-approval") {
      const approve = buttonsOn(h.slack, run.channel, run.ts).find((b) => b.action_id === ACTION.approve)!;
      await h.click(BOB, approve);
      const before = view.currentStepId;
      await waitFor("the approval", async () => (await h.engine.get(run.runId))!.currentStepId !== before);
      view = await settle(h, run.runId);
    }
    expect(view.status).toBe("awaiting-input");
    const enable = buttonsOn(h.slack, run.channel, run.ts).find((b) => JSON.parse(b.value).o === "enable")!;

    await h.click(STRANGER, enable);
    await waitFor("the stranger's refusal", () =>
      h.slack.responses.find((r) => String(r.body.text).includes("choose for it")),
    );
    expect((await h.engine.get(run.runId))!.status).toBe("awaiting-input");

    await h.click(ALICE, enable);
    await waitFor("the choice", async () => (await h.engine.get(run.runId))!.status !== "awaiting-input");
    view = await settle(h, run.runId);
    expect(view.status).toBe("awaiting-approval");
    expect(view.approval!.irreversible).toBe(true);

    await h.click(
      BOB,
      buttonsOn(h.slack, run.channel, run.ts).find((b) => b.action_id === ACTION.approve)!,
    );
    const open = await waitFor("the confirmation modal", () => h.slack.callsTo("views.open")[0]);
    const modal = open.args.view as Record<string, unknown>;
    expect(modal.callback_id).toBe(VIEW.confirmApproval);
    expect((await h.engine.get(run.runId))!.status).toBe("awaiting-approval");
    // The modal opened without a first approval attempt that the engine refuses for want of the name.
    expect((await h.engine.auditTrail(run.runId)).some((e) => e.outcome === "refused: confirmation-required")).toBe(
      false,
    );

    const wrong = await h.submit(BOB, modal, {
      [CONFIRM_BLOCK]: { [CONFIRM_INPUT]: { value: "some-other-registry" } },
    });
    expect(await wrong.json()).toMatchObject({ response_action: "errors" });
    expect((await h.engine.get(run.runId))!.status).toBe("awaiting-approval");

    const right = await h.submit(BOB, modal, {
      [CONFIRM_BLOCK]: { [CONFIRM_INPUT]: { value: h.registry.name.toUpperCase() } },
    });
    expect(right.status).toBe(200);
    await waitFor("the change", async () => (await h.engine.get(run.runId))!.status !== "awaiting-approval");
    view = await settle(h, run.runId);
    expect(view.status, JSON.stringify(view.error ?? view.outcome)).toBe("succeeded");
    expect(Object.values(h.store.read().vaults)[0]!.enablePurgeProtection).toBe(true);
    expect(h.healthy()).toBe(true);
    const last = (await h.engine.auditTrail(run.runId)).filter((e) => e.action === "approve").at(-1)!;
    expect(last).toMatchObject({
      actor: BOB,
      outcome: "approved",
      details: expect.objectContaining({ irreversible: true }),
    });
  });
});
