// The run message's buttons with fake arguments (no Bolt app, no Slack, no sandbox): every click is acknowledged
// first, acts once however often Slack delivers it, is refused clearly for a stranger, a stale picture or a bad value,
// and asks the engine for exactly one thing.
import { describe, expect, it } from "vitest";
import { RunRefused, type RunView } from "../../../../src/runs/types.js";
import { ACTION } from "../../../../src/slack/action-ids.js";
import { abortAction } from "../../../../src/slack/listeners/actions/abort.js";
import { approveAction } from "../../../../src/slack/listeners/actions/approve.js";
import { askAgainAction } from "../../../../src/slack/listeners/actions/ask-again.js";
import { inputAction } from "../../../../src/slack/listeners/actions/input.js";
import { rejectAction } from "../../../../src/slack/listeners/actions/reject.js";
import { retryAction } from "../../../../src/slack/listeners/actions/retry.js";
import { RUN_AWAITING_APPROVAL as run } from "../../../fixtures/slack-views.js";
import { buttonClick, CHANNEL, fakeDeps, fakeSlack, TS } from "../../fake-deps.js";

const ALICE = "UALICE0001"; // the requester
const BOB = "UBOB000002"; // an approver
const MALLORY = "UMALLORY09"; // neither

const approval = { r: run.id, s: "recover-key", f: "f00d" };
const failed: RunView = {
  ...run,
  status: "failed",
  approval: undefined,
  error: { step: "recover-key", cause: "throttled", message: "429" },
};
const expired: RunView = { ...run, approval: { ...run.approval!, expiresAt: "2029-12-31T23:59:00.000Z" } };
const choosing: RunView = {
  ...run,
  status: "awaiting-input",
  approval: undefined,
  input: { stepId: "offer", prompt: "Enable?", options: [{ id: "enable", label: "Enable <now>" }] },
};

describe("Approve", () => {
  it("acks first, approves once bound to the fingerprint, and says so in the thread", async () => {
    const { deps, calls, said, watched } = fakeDeps([run]);
    const slack = fakeSlack();
    const listener = approveAction(deps);
    const click = buttonClick(slack, BOB, ACTION.approve, approval);
    await listener(click);
    await listener(click); // Slack redelivers
    expect(slack.acks).toEqual(["ack", "ack"]);
    expect(calls).toEqual([{ method: "approve", args: [run.id, BOB, { fingerprint: "f00d" }] }]);
    expect(said).toEqual([{ runId: run.id, text: "<@UBOB000002> approved *Recover key acr-cmk*." }]);
    expect(watched[0]).toEqual({ runId: run.id, ref: { channel: CHANNEL, ts: TS } });
  });

  it("a high-risk change opens the confirmation modal instead of approving", async () => {
    const risky: RunView = { ...run, approval: { ...run.approval!, risk: "high" } };
    const { deps, calls } = fakeDeps([risky]);
    const slack = fakeSlack();
    await approveAction(deps)(buttonClick(slack, BOB, ACTION.approve, approval));
    expect(calls).toEqual([]);
    expect(slack.modals).toHaveLength(1);
    expect(JSON.stringify(slack.modals[0])).toContain("acrprod01");
  });

  it("the engine's refusal reaches the clicker, explained, and nothing is said in the thread", async () => {
    const refusal = new RunRefused("UALICE0001 started this run", "self-approval");
    const { deps, said } = fakeDeps([run], { fail: { approve: refusal } });
    const slack = fakeSlack();
    await approveAction(deps)(buttonClick(slack, ALICE, ACTION.approve, approval));
    expect(slack.answers).toHaveLength(1);
    expect(slack.answers[0]).toMatch(/^:no_entry_sign: .+\n_UALICE0001 started this run_$/);
    expect(said).toEqual([]);
  });

  it("an unexpected failure is logged by name and summarised, never shown raw", async () => {
    const { deps, errors } = fakeDeps([run], { fail: { approve: new TypeError("secret detail") } });
    const slack = fakeSlack();
    await approveAction(deps)(buttonClick(slack, BOB, ACTION.approve, approval));
    expect(slack.answers).toEqual([":warning: acr-cmk could not approve the change; the app's log has the details."]);
    expect(errors.join()).toContain("TypeError");
    expect(errors.join()).not.toContain("secret detail");
  });

  it("a value that is not ours is refused before anything is read", async () => {
    const { deps, calls } = fakeDeps([run]);
    const slack = fakeSlack();
    await approveAction(deps)(buttonClick(slack, BOB, ACTION.approve, '{"r":"../../etc"}'));
    expect(slack.answers).toEqual(["This button is not one acr-cmk can act on."]);
    expect(calls).toEqual([]);
  });
});

describe("Reject", () => {
  it("opens the reason modal bound to the step and the message; a stranger is refused", async () => {
    const { deps, calls } = fakeDeps([run]);
    const slack = fakeSlack();
    await rejectAction(deps)(buttonClick(slack, BOB, ACTION.reject, approval));
    expect(slack.modals).toHaveLength(1);
    expect(JSON.parse((slack.modals[0] as { private_metadata: string }).private_metadata)).toEqual({
      ...approval,
      c: CHANNEL,
      t: TS,
    });
    await rejectAction(deps)(buttonClick(slack, MALLORY, ACTION.reject, approval));
    expect(slack.answers).toEqual([
      ":no_entry_sign: Only the run's requester and the approvers (ACR_CMK_APPROVERS) can reject its changes.",
    ]);
    expect(calls).toEqual([]);
  });

  it("a picture that is out of date (another fingerprint) opens nothing", async () => {
    const { deps } = fakeDeps([run]);
    const slack = fakeSlack();
    await rejectAction(deps)(buttonClick(slack, BOB, ACTION.reject, { ...approval, f: "stale" }));
    expect(slack.modals).toEqual([]);
    expect(slack.answers).toEqual([
      "The run is not waiting for this approval any more; its message shows where it is now.",
    ]);
  });

  it("when Slack will not open the modal, the clicker is asked to click again", async () => {
    const { deps } = fakeDeps([run]);
    const slack = fakeSlack({ viewsOpen: () => Promise.reject(new Error("expired_trigger_id")) });
    await rejectAction(deps)(buttonClick(slack, BOB, ACTION.reject, approval));
    expect(slack.answers).toEqual([":warning: Slack did not open the dialog; click Reject again."]);
  });
});

describe("Retry, Ask again, a choice, Abort", () => {
  it("Retry repeats the failed step for the requester, and only after an error", async () => {
    const { deps, calls, said } = fakeDeps([failed]);
    const slack = fakeSlack();
    await retryAction(deps)(buttonClick(slack, ALICE, ACTION.retry, { r: run.id }));
    expect(calls).toEqual([{ method: "retry", args: [run.id, ALICE] }]);
    expect(said.map((s) => s.text)).toEqual(["<@UALICE0001> retried the failed step."]);

    const waiting = fakeDeps([run]);
    await retryAction(waiting.deps)(buttonClick(slack, ALICE, ACTION.retry, { r: run.id }));
    expect(waiting.calls).toEqual([]);
    expect(slack.answers.at(-1)).toBe("The run is not stopped at an error; its message shows where it is now.");
  });

  it("Ask again resumes a run whose approval expired, by the deps' clock", async () => {
    const { deps, calls } = fakeDeps([expired]);
    const slack = fakeSlack();
    await askAgainAction(deps)(buttonClick(slack, BOB, ACTION.askAgain, { r: run.id }));
    expect(calls).toEqual([{ method: "resume", args: [run.id, BOB] }]);

    const fresh = fakeDeps([run]);
    await askAgainAction(fresh.deps)(buttonClick(slack, BOB, ACTION.askAgain, { r: run.id }));
    expect(fresh.calls).toEqual([]);
  });

  it("a choice records the option and names it escaped in the thread; another step's choice is refused", async () => {
    const { deps, calls, said } = fakeDeps([choosing]);
    const slack = fakeSlack();
    await inputAction(deps)(
      buttonClick(slack, ALICE, `${ACTION.inputPrefix}0`, { r: run.id, s: "offer", o: "enable" }),
    );
    expect(calls).toEqual([{ method: "input", args: [run.id, ALICE, "enable"] }]);
    expect(said.map((s) => s.text)).toEqual(["<@UALICE0001> chose *Enable &lt;now&gt;*."]);
    await inputAction(deps)(
      buttonClick(slack, ALICE, `${ACTION.inputPrefix}0`, { r: run.id, s: "other", o: "enable" }),
    );
    expect(calls).toHaveLength(1);
  });

  it("Abort opens the reason modal while the run waits for a person, and not once it ended", async () => {
    const { deps, calls } = fakeDeps([run, { ...failed, id: "20300101-000000-ended0", status: "succeeded" }]);
    const slack = fakeSlack();
    await abortAction(deps)(buttonClick(slack, ALICE, ACTION.abort, { r: run.id }));
    expect(slack.modals).toHaveLength(1);
    await abortAction(deps)(buttonClick(slack, ALICE, ACTION.abort, { r: "20300101-000000-ended0" }));
    expect(slack.modals).toHaveLength(1);
    expect(slack.answers).toHaveLength(1);
    expect(calls).toEqual([]);
  });

  it("an unknown run is named in the answer", async () => {
    const { deps } = fakeDeps([]);
    const slack = fakeSlack();
    await retryAction(deps)(buttonClick(slack, ALICE, ACTION.retry, { r: "20300101-000000-nope00" }));
    expect(slack.answers[0]).toContain("No run with id 20300101-000000-nope00.");
  });
});
