// After an approval request expired the run waits; "Ask again" resumes it, which re-checks Azure and requests a
// fresh approval with a new expiry.
import { runValue } from "../../action-ids.js";
import { approvalExpired } from "../../../runs/approval-policy.js";
import { person } from "../../blocks/mrkdwn.js";
import type { SlackDeps } from "../../deps.js";
import { runButton } from "./run-button.js";

export function askAgainAction(deps: SlackDeps) {
  return runButton(deps, {
    value: runValue,
    what: "ask for approval again",
    still: {
      applies: (view, _value, now) => view.status === "awaiting-approval" && approvalExpired(view.approval, now),
      otherwise: "There is no expired approval request on this run; its message shows where it is now.",
    },
    driversOnly: "can ask again",
    async act({ value, click }) {
      await deps.engine.resume(value.r, click.user);
      await deps.messages.say(value.r, `${person(click.user)} asked for the approval again.`);
    },
  });
}
