// A run's message keeps being updated across a restart of `acr-cmk slack`: the link run → message is persisted and
// re-attached on start.
import { describe, expect, it } from "vitest";
import { ACTION, VIEW } from "../../src/slack/action-ids.js";
import { REASON_BLOCK, REASON_INPUT } from "../../src/slack/blocks/modals.js";
import { runMessageText } from "../../src/slack/blocks/run-message.js";
import {
  ALICE,
  BOB,
  buttonsOn,
  CHANNEL,
  latestMessage,
  movableClock,
  recoveryAwaitingApproval,
  startHarness,
  threadTexts,
  waitFor,
} from "./harness.js";

describe("run messages across a restart", () => {
  it("an approval that expired while the app was down turns into Ask again on the original message, and the resumed run keeps updating it", async () => {
    const clock = movableClock();
    const h = await startHarness({ incident: "key-deleted", clock });
    const run = await recoveryAwaitingApproval(h);
    const announcements = threadTexts(h, run.ts).filter((text) => text.includes("approval needed"));
    expect(announcements).toHaveLength(1);

    clock.advance(16 * 60_000);
    await h.restart();
    const callsBefore = h.slack.calls.length;
    // Nobody clicks: the new app re-attaches the run and re-renders its message.
    const askAgain = await waitFor("Ask again on the original message", () =>
      buttonsOn(h.slack, run.channel, run.ts).find((b) => b.action_id === ACTION.askAgain),
    );
    expect(h.slack.calls.slice(callsBefore).some((c) => c.method === "chat.update" && c.args.ts === run.ts)).toBe(true);
    // The thread was told about this request before the restart; it is not told again.
    expect(threadTexts(h, run.ts).filter((text) => text.includes("approval needed"))).toHaveLength(1);

    await h.click(ALICE, askAgain);
    const approve = await waitFor("a fresh Approve", () =>
      buttonsOn(h.slack, run.channel, run.ts).find((b) => b.action_id === ACTION.approve),
    );
    await h.click(BOB, approve);
    await waitFor("the change", async () =>
      (await h.engine.auditTrail(run.runId)).some((e) => e.action === "change-end"),
    );
    const view = await h.engine.settled(run.runId);
    await h.app.deps.messages.idle();
    // The message shows the run as it is now: the approved change done, the status of the latest view.
    const latest = latestMessage(h.slack, run.channel, run.ts)!;
    expect(latest.text).toBe(runMessageText(view));
    const changed = view.steps.find((step) => step.kind === "change" && step.status === "done")!;
    expect(JSON.stringify(latest.blocks)).toContain(`:white_check_mark: ${changed.title}`);
    expect(threadTexts(h, run.ts).some((text) => text.includes(`<@${BOB}> approved`))).toBe(true);
  });

  it("a reason modal opened before a restart and submitted after it rejects the run and updates its original message and thread", async () => {
    const h = await startHarness({ incident: "key-deleted" });
    const run = await recoveryAwaitingApproval(h);
    const reject = buttonsOn(h.slack, run.channel, run.ts).find((b) => b.action_id === ACTION.reject)!;
    await h.click(BOB, reject);
    const open = await waitFor("the reason modal", () => h.slack.callsTo("views.open")[0]);
    const modal = open.args.view as Record<string, unknown>;
    expect(modal.callback_id).toBe(VIEW.rejectReason);

    await h.restart();
    await h.submit(BOB, modal, { [REASON_BLOCK]: { [REASON_INPUT]: { value: "wrong vault, page the key owner" } } });
    await waitFor("the rejection", async () => (await h.engine.get(run.runId))!.status === "rejected");
    await waitFor("the original message to say so", () =>
      latestMessage(h.slack, run.channel, run.ts)?.text.includes("rejected"),
    );
    expect(buttonsOn(h.slack, run.channel, run.ts)).toHaveLength(0);
    await waitFor("the thread to say who and why", () =>
      threadTexts(h, run.ts).find((text) => text.includes(`<@${BOB}> rejected`) && text.includes("wrong vault")),
    );
    await waitFor("the end in the thread", () =>
      threadTexts(h, run.ts).find((t) => t.includes("Run ended: *rejected*")),
    );
  });

  it("/acr-cmk status after a restart points to the run's message", async () => {
    const h = await startHarness({ incident: "key-deleted" });
    const run = await recoveryAwaitingApproval(h);
    await h.restart();
    const since = h.slack.responses.length;
    await h.command(ALICE, `status ${run.runId}`);
    // Acknowledged at once; the store's answer follows through the response URL.
    const answer = await waitFor("the status", () => h.slack.responses[since]);
    expect(JSON.stringify(answer.body.blocks)).toContain(`<#${CHANNEL}>`);
  });
});
