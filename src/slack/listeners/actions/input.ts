// A choice a run asks for (e.g. "enable purge protection now?"). Only the requester and the approvers choose; a
// choice that leads to a change still waits for its own approval.
import { inputValue } from "../../action-ids.js";
import { escapeText, person } from "../../blocks/mrkdwn.js";
import type { SlackDeps } from "../../deps.js";
import { runButton } from "./run-button.js";

export function inputAction(deps: SlackDeps) {
  return runButton(deps, {
    value: inputValue,
    what: "record the choice",
    still: {
      applies: (view, value) => view.status === "awaiting-input" && view.input?.stepId === value.s,
      otherwise: "The run is not waiting for this choice any more; its message shows where it is now.",
    },
    driversOnly: "choose for it",
    async act({ value, view, click }) {
      const label = view.input?.options.find((option) => option.id === value.o)?.label ?? value.o;
      await deps.engine.input(value.r, click.user, value.o);
      await deps.messages.say(value.r, `${person(click.user)} chose *${escapeText(label)}*.`);
    },
  });
}
