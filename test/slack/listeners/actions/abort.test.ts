// Abort on a run that waits for a person: the requester or an approver gives a reason in a modal, the engine ends the
// run and audits who and why, the message and its thread say so; anyone else is refused before a modal opens.
import { describe, expect, it } from "vitest";
import { ACTION, VIEW } from "../../../../src/slack/action-ids.js";
import { REASON_BLOCK, REASON_INPUT } from "../../../../src/slack/blocks/modals.js";
import {
  ALICE,
  BOB,
  buttonsOn,
  latestMessage,
  movableClock,
  recoveryAwaitingApproval,
  startHarness,
  STRANGER,
  threadTexts,
  waitFor,
  type Harness,
} from "../../harness.js";

function abortButton(harness: Harness, run: { channel: string; ts: string }) {
  return waitFor("the Abort button", () =>
    buttonsOn(harness.slack, run.channel, run.ts).find((b) => b.action_id === ACTION.abort),
  );
}

async function submitAbort(harness: Harness, user: string, reason: string) {
  const open = await waitFor("the abort modal", () => harness.slack.callsTo("views.open").at(-1));
  const view = open.args.view as Record<string, unknown>;
  expect(view.callback_id).toBe(VIEW.abortReason);
  return harness.submit(user, view, { [REASON_BLOCK]: { [REASON_INPUT]: { value: reason } } });
}

describe("abort", () => {
  it("an approver aborts a run waiting for approval: it ends aborted, nothing changes, the audit log and the thread say who and why", async () => {
    const h = await startHarness({ incident: "key-deleted" });
    const run = await recoveryAwaitingApproval(h);
    const writes = h.store.read().counters.writes;
    await h.click(BOB, await abortButton(h, run));

    const tooShort = await submitAbort(h, BOB, " x ");
    expect(await tooShort.json()).toMatchObject({ response_action: "errors" });
    expect((await h.engine.get(run.runId))!.status).toBe("awaiting-approval");

    expect((await submitAbort(h, BOB, "duplicate of the run in #incident-2")).status).toBe(200);
    await waitFor("the abort", async () => (await h.engine.get(run.runId))!.status === "aborted");
    expect(h.store.read().counters.writes).toBe(writes);
    expect((await h.engine.auditTrail(run.runId)).filter((e) => e.action === "abort")).toEqual([
      expect.objectContaining({
        actor: BOB,
        details: expect.objectContaining({ reason: "duplicate of the run in #incident-2" }),
      }),
    ]);
    await waitFor("the message to show the end", () =>
      latestMessage(h.slack, run.channel, run.ts)?.text.includes("aborted"),
    );
    expect(buttonsOn(h.slack, run.channel, run.ts)).toHaveLength(0);
    await waitFor("the thread to say who and why", () =>
      threadTexts(h, run.ts).find((t) => t.includes(`<@${BOB}> aborted the run: duplicate of the run`)),
    );
    await waitFor("the end in the thread", () =>
      threadTexts(h, run.ts).find((t) => t.includes("Run ended: *aborted*")),
    );
  });

  it("the requester aborts a run whose approval expired", async () => {
    const clock = movableClock();
    const h = await startHarness({ incident: "key-deleted", clock });
    const run = await recoveryAwaitingApproval(h);
    clock.advance(16 * 60_000);
    // A late Approve is refused as expired and re-renders the message: Ask again, with Abort next to it.
    await h.click(
      BOB,
      buttonsOn(h.slack, run.channel, run.ts).find((b) => b.action_id === ACTION.approve)!,
    );
    await waitFor("Ask again", () =>
      buttonsOn(h.slack, run.channel, run.ts).some((b) => b.action_id === ACTION.askAgain),
    );
    expect(buttonsOn(h.slack, run.channel, run.ts).map((b) => b.action_id)).toEqual([ACTION.askAgain, ACTION.abort]);

    await h.click(ALICE, await abortButton(h, run));
    await submitAbort(h, ALICE, "fixed by hand from the portal");
    await waitFor("the abort", async () => (await h.engine.get(run.runId))!.status === "aborted");
    expect((await h.engine.auditTrail(run.runId)).find((e) => e.action === "abort")).toMatchObject({
      actor: ALICE,
      details: { reason: "fixed by hand from the portal" },
    });
  });

  it("a stranger's Abort is refused ephemerally and no modal opens", async () => {
    const h = await startHarness({ incident: "key-deleted" });
    const run = await recoveryAwaitingApproval(h);
    await h.click(STRANGER, await abortButton(h, run));
    const answer = await waitFor("the refusal", () =>
      h.slack.responses.find((r) => String(r.body.text).includes("can abort it")),
    );
    expect(answer.body.response_type).toBe("ephemeral");
    expect(h.slack.callsTo("views.open")).toHaveLength(0);
    expect((await h.engine.get(run.runId))!.status).toBe("awaiting-approval");
    expect((await h.engine.auditTrail(run.runId)).some((e) => e.action === "abort")).toBe(false);
  });

  it("a stranger cannot abort by submitting the modal either", async () => {
    const h = await startHarness({ incident: "key-deleted" });
    const run = await recoveryAwaitingApproval(h);
    await h.click(BOB, await abortButton(h, run));
    await submitAbort(h, STRANGER, "I should not be able to do this");
    await waitFor("the refusal", () =>
      h.slack
        .callsTo("chat.postEphemeral")
        .find((c) => c.args.user === STRANGER && String(c.args.text).includes("can abort it")),
    );
    expect((await h.engine.get(run.runId))!.status).toBe("awaiting-approval");
    expect((await h.engine.auditTrail(run.runId)).some((e) => e.action === "abort")).toBe(false);
  });
});
