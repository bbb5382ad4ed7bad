// The confirm, reject and abort modals' submissions with fake arguments: a bad reason goes back into the modal unacknowledged
// as an error; a good one acts once (Slack redelivers unacknowledged submissions), after the run's state is checked.
import { describe, expect, it } from "vitest";
import type { RunView } from "../../../../src/runs/types.js";
import { CONFIRM_BLOCK, CONFIRM_INPUT, REASON_BLOCK, REASON_INPUT } from "../../../../src/slack/blocks/modals.js";
import { abortReasonView } from "../../../../src/slack/listeners/views/abort-reason.js";
import { confirmApprovalView } from "../../../../src/slack/listeners/views/confirm-approval.js";
import { rejectReasonView } from "../../../../src/slack/listeners/views/reject-reason.js";
import { RUN_AWAITING_APPROVAL as run } from "../../../fixtures/slack-views.js";
import { CHANNEL, fakeDeps, fakeSlack, TS, viewSubmission } from "../../fake-deps.js";

const BOB = "UBOB000002";
const MALLORY = "UMALLORY09";
// What the Approve button put in the modal: the name to type back, checked before the acknowledgement.
const meta = { r: run.id, s: "recover-key", f: "f00d", c: CHANNEL, t: TS, x: "acrprod01", k: "registry" as const };
const reason = (value: string) => ({ [REASON_BLOCK]: { [REASON_INPUT]: { value } } });

describe("the reject modal", () => {
  it("sends a too-short reason back to the modal and rejects nothing", async () => {
    const { deps, calls } = fakeDeps([run]);
    const slack = fakeSlack();
    await rejectReasonView(deps)(viewSubmission(slack, BOB, meta, reason("no")));
    expect(slack.acks).toEqual([
      { response_action: "errors", errors: { [REASON_BLOCK]: "Give a reason of at least 3 characters." } },
    ]);
    expect(calls).toEqual([]);
  });

  it("rejects once with the reason, and says who and why in the thread", async () => {
    const { deps, calls, said } = fakeDeps([run]);
    const slack = fakeSlack();
    const listener = rejectReasonView(deps);
    const submission = viewSubmission(slack, BOB, meta, reason("  wrong <vault>  "));
    await listener(submission);
    await listener(submission);
    expect(calls).toEqual([{ method: "reject", args: [run.id, BOB, "wrong <vault>"] }]);
    expect(said.map((s) => s.text)).toEqual(["<@UBOB000002> rejected *Recover key acr-cmk*: wrong &lt;vault&gt;"]);
  });

  it("a run that moved on meanwhile is left alone and the submitter told, in the run's channel", async () => {
    const moved: RunView = { ...run, status: "running", approval: undefined };
    const { deps, calls } = fakeDeps([moved]);
    const slack = fakeSlack();
    await rejectReasonView(deps)(viewSubmission(slack, BOB, meta, reason("too late")));
    expect(calls).toEqual([]);
    expect(slack.ephemerals).toEqual([
      {
        channel: CHANNEL,
        user: BOB,
        text: "The run is not waiting for this approval any more; nothing was rejected.",
      },
    ]);
  });
});

describe("the abort modal", () => {
  it("checks the submitter's right again: a stranger aborts nothing", async () => {
    const { deps, calls } = fakeDeps([run]);
    const slack = fakeSlack();
    await abortReasonView(deps)(viewSubmission(slack, MALLORY, { r: run.id, c: CHANNEL, t: TS }, reason("drill over")));
    expect(calls).toEqual([]);
    expect(slack.ephemerals.map((e) => e.text)).toEqual([
      ":no_entry_sign: Only the run's requester and the approvers (ACR_CMK_APPROVERS) can abort it.",
    ]);
  });

  it("aborts with the reason for an approver", async () => {
    const { deps, calls } = fakeDeps([run]);
    const slack = fakeSlack();
    await abortReasonView(deps)(viewSubmission(slack, BOB, { r: run.id, c: CHANNEL, t: TS }, reason("drill over")));
    expect(calls.map((c) => c.method)).toEqual(["abort"]);
    expect(calls[0]?.args.slice(0, 3)).toEqual([run.id, BOB, "drill over"]);
  });
});

describe("the confirmation modal of a high-risk change", () => {
  const typed = (value: string) => ({ [CONFIRM_BLOCK]: { [CONFIRM_INPUT]: { value } } });

  it("a wrong registry name goes back to the modal and approves nothing", async () => {
    const { deps, calls } = fakeDeps([run]);
    const slack = fakeSlack();
    await confirmApprovalView(deps)(viewSubmission(slack, BOB, meta, typed("acrprod02")));
    expect(slack.acks).toEqual([
      {
        response_action: "errors",
        errors: { [CONFIRM_BLOCK]: "Type the registry name, acrprod01, exactly to approve." },
      },
    ]);
    expect(calls).toEqual([]);
  });

  it("the name typed back (any case) approves with the fingerprint and the confirmation", async () => {
    const { deps, calls, said } = fakeDeps([run]);
    const slack = fakeSlack();
    await confirmApprovalView(deps)(viewSubmission(slack, BOB, meta, typed(" ACRPROD01 ")));
    expect(calls).toEqual([
      { method: "approve", args: [run.id, BOB, { fingerprint: "f00d", confirmation: "ACRPROD01" }] },
    ]);
    expect(said.map((s) => s.text)).toEqual([
      "<@UBOB000002> approved *Recover key acr-cmk* (registry name confirmed).",
    ]);
  });
});
