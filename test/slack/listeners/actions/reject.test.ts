// Reject asks for a reason in a modal; the submission rejects the run and the audit log names the Slack user.
import { describe, expect, it } from "vitest";
import { ACTION, VIEW } from "../../../../src/slack/action-ids.js";
import { REASON_BLOCK, REASON_INPUT } from "../../../../src/slack/blocks/modals.js";
import {
  BOB,
  buttonsOn,
  recoveryAwaitingApproval,
  startHarness,
  STRANGER,
  waitFor,
  type Harness,
} from "../../harness.js";

/** ALICE's recovery waiting for approval, and the Reject button on its message. */
async function awaitingApproval(harness: Harness) {
  const run = await recoveryAwaitingApproval(harness);
  const reject = buttonsOn(harness.slack, run.channel, run.ts).find((b) => b.action_id === ACTION.reject)!;
  return { run, reject };
}

describe("reject", () => {
  it("an approver rejects with a reason: the run ends rejected, nothing changes, the audit log has the Slack user", async () => {
    const h = await startHarness({ incident: "key-deleted" });
    const { run, reject } = await awaitingApproval(h);
    const writes = h.store.read().counters.writes;
    await h.click(BOB, reject);
    const open = await waitFor("the reason modal", () => h.slack.callsTo("views.open")[0]);
    const view = open.args.view as Record<string, unknown>;
    expect(view.callback_id).toBe(VIEW.rejectReason);

    const tooShort = await h.submit(BOB, view, { [REASON_BLOCK]: { [REASON_INPUT]: { value: " x " } } });
    expect(await tooShort.json()).toMatchObject({ response_action: "errors" });
    expect((await h.engine.get(run.runId))!.status).toBe("awaiting-approval");

    const ok = await h.submit(BOB, view, {
      [REASON_BLOCK]: { [REASON_INPUT]: { value: "wrong vault, page the key owner" } },
    });
    expect(ok.status).toBe(200);
    const ended = await h.engine.settled(run.runId);
    await waitFor("the rejection", async () => (await h.engine.get(run.runId))!.status === "rejected");
    expect(ended).toBeDefined();
    expect(h.store.read().counters.writes).toBe(writes);
    expect((await h.engine.auditTrail(run.runId)).filter((e) => e.action === "reject")).toEqual([
      expect.objectContaining({
        actor: BOB,
        outcome: "rejected",
        details: expect.objectContaining({ reason: "wrong vault, page the key owner" }),
      }),
    ]);
    await waitFor("the thread reply", () =>
      h.slack
        .callsTo("chat.postMessage")
        .find((c) => c.args.thread_ts === run.ts && String(c.args.text).includes("rejected")),
    );
  });

  it("a stranger's Reject is refused before any modal opens", async () => {
    const h = await startHarness({ incident: "key-deleted" });
    const { run, reject } = await awaitingApproval(h);
    await h.click(STRANGER, reject);
    await waitFor("the refusal", () => h.slack.responses.find((r) => String(r.body.text).includes("can reject")));
    expect(h.slack.callsTo("views.open")).toHaveLength(0);
    expect((await h.engine.get(run.runId))!.status).toBe("awaiting-approval");
  });
});
