// The run message is a pure function of the RunView and the clock: what each state shows, and what it never shows.
import { describe, expect, it } from "vitest";
import type { RunView } from "../../../src/runs/types.js";
import { ACTION } from "../../../src/slack/action-ids.js";
import { renderRunMessage } from "../../../src/slack/blocks/run-message.js";
import { RUN_AWAITING_APPROVAL } from "../../fixtures/slack-views.js";

const base: RunView = RUN_AWAITING_APPROVAL;

function actions(message: ReturnType<typeof renderRunMessage>) {
  return message.blocks
    .filter((b) => b.type === "actions")
    .flatMap((b) => (b as { elements: Array<{ action_id: string; value: string }> }).elements);
}

describe("renderRunMessage", () => {
  it("shows the checklist, evidence escaped, and Approve / Reject bound to the fingerprint", () => {
    const message = renderRunMessage(base, { now: new Date("2030-01-01T00:01:00Z"), approvers: ["UBOB000002"] });
    const text = JSON.stringify(message.blocks);
    expect(message.text).toBe("acr-cmk key-deleted on rg-prod/acrprod01: waiting for approval");
    expect(text).toContain(":white_check_mark: Check whether the key exists");
    expect(text).toContain("Key &lt;acr&gt; was deleted");
    expect(text).toContain("<@UBOB000002>");
    expect(actions(message).map((a) => a.action_id)).toEqual([ACTION.approve, ACTION.reject, ACTION.abort]);
    expect(JSON.parse(actions(message)[0]!.value)).toEqual({ r: base.id, s: "recover-key", f: "f00d" });
  });

  it("replaces the buttons with Ask again once the approval has expired", () => {
    const message = renderRunMessage(base, { now: new Date("2030-01-01T00:16:00Z"), approvers: ["UBOB000002"] });
    expect(actions(message).map((a) => a.action_id)).toEqual([ACTION.askAgain, ACTION.abort]);
    expect(JSON.stringify(message.blocks)).toContain("expired");
  });

  it("offers a choice as buttons and an ended run none", () => {
    const input: RunView = {
      ...base,
      status: "awaiting-input",
      approval: undefined,
      input: {
        stepId: "offer",
        prompt: "Enable?",
        options: [
          { id: "enable", label: "Enable" },
          { id: "later", label: "Not now" },
        ],
      },
    };
    const choices = actions(renderRunMessage(input, { now: new Date(), approvers: [] }));
    expect(choices.map((c) => c.action_id)).toEqual([`${ACTION.inputPrefix}0`, `${ACTION.inputPrefix}1`, ACTION.abort]);
    const done: RunView = {
      ...base,
      status: "succeeded",
      approval: undefined,
      outcome: { summary: "Recovered.", nextSteps: ["Back up the key"] },
    };
    const message = renderRunMessage(done, { now: new Date(), approvers: [] });
    expect(actions(message)).toHaveLength(0);
    expect(JSON.stringify(message.blocks)).toContain("Recovered.");
  });

  it("offers Retry after an Azure error but not after an internal crash", () => {
    const failed: RunView = {
      ...base,
      status: "failed",
      approval: undefined,
      error: { step: "recover-key", cause: "throttled", message: "429" },
    };
    expect(actions(renderRunMessage(failed, { now: new Date(), approvers: [] })).map((a) => a.action_id)).toEqual([
      ACTION.retry,
      ACTION.abort,
    ]);
    const crashed: RunView = { ...failed, error: { step: "x", cause: "internal", message: "bug" } };
    expect(actions(renderRunMessage(crashed, { now: new Date(), approvers: [] }))).toHaveLength(0);
  });

  it("offers Abort only while the run waits for a person, bound to the run alone", () => {
    const abortOf = (view: RunView) =>
      actions(renderRunMessage(view, { now: new Date("2030-01-01T00:01:00Z"), approvers: [] })).filter(
        (a) => a.action_id === ACTION.abort,
      );
    expect(abortOf(base).map((a) => JSON.parse(a.value))).toEqual([{ r: base.id }]);
    for (const status of ["running", "waiting", "succeeded", "rejected", "aborted", "escalated"] as const) {
      expect(abortOf({ ...base, status, approval: undefined }), status).toHaveLength(0);
    }
  });
});

describe("a rejected approval", () => {
  it("shows the step as rejected, not as done", () => {
    const rejected: RunView = {
      ...base,
      status: "rejected",
      steps: base.steps.map((step) =>
        step.id === "approve-recover-key"
          ? { ...step, status: "rejected" }
          : step.id === "recover-key"
            ? { ...step, status: "skipped" }
            : step,
      ),
    };
    const { approval: _approval, ...withoutApproval } = rejected;
    const text = JSON.stringify(
      renderRunMessage(withoutApproval, { now: new Date("2030-01-01T00:05:00Z"), approvers: [] }).blocks,
    );
    expect(text).toContain(":no_entry_sign: Approve: recover the key _(rejected)_");
    expect(text).not.toContain(":white_check_mark: Approve: recover the key");
  });
});
