// Retry after an Azure error stopped the run: repeats the failed step (a change first checks whether it already
// happened, so nothing runs twice).
import { runValue } from "../../action-ids.js";
import { person } from "../../blocks/mrkdwn.js";
import type { SlackDeps } from "../../deps.js";
import { runButton } from "./run-button.js";

export function retryAction(deps: SlackDeps) {
  return runButton(deps, {
    value: runValue,
    what: "retry the step",
    still: {
      applies: (view) => view.status === "failed",
      otherwise: "The run is not stopped at an error; its message shows where it is now.",
    },
    driversOnly: "can retry it",
    async act({ value, click }) {
      await deps.engine.retry(value.r, click.user);
      await deps.messages.say(value.r, `${person(click.user)} retried the failed step.`);
    },
  });
}
