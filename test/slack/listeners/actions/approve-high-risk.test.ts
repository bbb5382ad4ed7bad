// A high-risk change (revoking the registry's key access) opens the registry-name modal at once for an approver, with
// no "confirmation-required" refusal in the audit log; the requester and strangers are refused before any modal.
import { describe, expect, it } from "vitest";
import { ACTION, VIEW } from "../../../../src/slack/action-ids.js";
import { CONFIRM_BLOCK, CONFIRM_INPUT } from "../../../../src/slack/blocks/modals.js";
import {
  ALICE,
  BOB,
  buttonsOn,
  settle,
  startedRun,
  startHarness,
  STRANGER,
  waitFor,
  type Harness,
} from "../../harness.js";

/** A revoke, its key backup approved and its method chosen, waiting for the high-risk approval. */
async function highRiskApproval(harness: Harness) {
  await harness.command(ALICE, `revoke ${harness.registry.resourceGroup}/${harness.registry.name}`);
  const run = await startedRun(harness);
  let view = await settle(harness, run.runId);
  while (view.status === "awaiting-input" || (view.status === "awaiting-approval" && view.approval!.risk !== "high")) {
    const buttons = buttonsOn(harness.slack, run.channel, run.ts);
    if (view.status === "awaiting-input") {
      await harness.click(
        ALICE,
        buttons.find((b) => b.action_id.startsWith(ACTION.inputPrefix))!,
      );
    } else {
      await harness.click(
        BOB,
        buttons.find((b) => b.action_id === ACTION.approve)!,
      );
    }
    const before = view;
    await waitFor(
      "the step to move on",
      async () => (await harness.engine.get(run.runId))!.currentStepId !== before.currentStepId,
    );
    view = await settle(harness, run.runId);
  }
  expect(view.status, JSON.stringify(view.error ?? view.outcome)).toBe("awaiting-approval");
  expect(view.approval!.risk).toBe("high");
  const approve = buttonsOn(harness.slack, run.channel, run.ts).find((b) => b.action_id === ACTION.approve)!;
  // Only what happens at the high-risk step matters below.
  harness.slack.responses.length = 0;
  return { run, approve, step: view.approval!.stepId };
}

async function approveEntries(harness: Harness, runId: string, step: string) {
  return (await harness.engine.auditTrail(runId))
    .filter((e) => e.action === "approve" && e.details.step === step)
    .map((e) => ({ actor: e.actor, outcome: e.outcome }));
}

describe("approving a high-risk change", () => {
  it("an approver gets the registry-name modal at once, and the audit log has only the approval", async () => {
    const h = await startHarness();
    const { run, approve, step } = await highRiskApproval(h);
    await h.click(BOB, approve);
    const open = await waitFor("the confirmation modal", () => h.slack.callsTo("views.open")[0]);
    const modal = open.args.view as Record<string, unknown>;
    expect(modal.callback_id).toBe(VIEW.confirmApproval);
    expect(await approveEntries(h, run.runId, step)).toEqual([]);

    await h.submit(BOB, modal, { [CONFIRM_BLOCK]: { [CONFIRM_INPUT]: { value: h.registry.name } } });
    await waitFor("the approval", async () => (await approveEntries(h, run.runId, step)).length > 0);
    expect(await approveEntries(h, run.runId, step)).toEqual([{ actor: BOB, outcome: "approved" }]);
    expect((await h.engine.auditTrail(run.runId)).some((e) => e.outcome === "refused: confirmation-required")).toBe(
      false,
    );
  });

  it("the requester and a stranger are refused for their real reason, audited, and no modal opens", async () => {
    const h = await startHarness();
    const { run, approve, step } = await highRiskApproval(h);
    await h.click(ALICE, approve);
    await waitFor("the requester's refusal", () =>
      h.slack.responses.find((r) => String(r.body.text).includes("You started this run")),
    );
    await h.click(STRANGER, approve);
    await waitFor("the stranger's refusal", () =>
      h.slack.responses.find((r) => String(r.body.text).includes("approvers list")),
    );
    expect(h.slack.callsTo("views.open")).toHaveLength(0);
    expect(await approveEntries(h, run.runId, step)).toEqual([
      { actor: ALICE, outcome: "refused: self-approval" },
      { actor: STRANGER, outcome: "refused: not-approver" },
    ]);
    expect((await h.engine.get(run.runId))!.status).toBe("awaiting-approval");
  });
});
