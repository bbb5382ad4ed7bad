// Retry after an Azure error stopped the run: repeats the failed step (a change first checks whether it already
// happened, so nothing runs twice).
import type { BlockButtonAction, Middleware, SlackActionMiddlewareArgs } from "@slack/bolt";
import { decodeValue, runValue } from "../../action-ids.js";
import { person } from "../../blocks/mrkdwn.js";
import { mayDrive, type SlackDeps } from "../../deps.js";
import { actOnRun, readClick, tell } from "./click.js";

export function retryAction(deps: SlackDeps): Middleware<SlackActionMiddlewareArgs<BlockButtonAction>> {
  return async ({ ack, body, action, respond }) => {
    await ack();
    const click = readClick(body, action);
    if (!deps.dedupe.first(click.key)) return;
    const value = decodeValue(runValue, action.value);
    if (!value) return tell(respond, "This button is not one acr-cmk can act on.");
    if (click.ref) deps.messages.watch(value.r, click.ref);

    await deps.queue.run(value.r, () =>
      actOnRun(deps, respond, value.r, "retry the step", async () => {
        const view = deps.engine.get(value.r);
        if (!view || view.status !== "failed") {
          return tell(respond, "The run is not stopped at an error; its message shows where it is now.");
        }
        if (!mayDrive(deps, click.user, view.requester)) {
          return tell(
            respond,
            ":no_entry_sign: Only the run's requester and the approvers (ACR_CMK_APPROVERS) can retry it.",
          );
        }
        await deps.engine.retry(value.r, click.user);
        await deps.messages.say(value.r, `${person(click.user)} retried the failed step.`);
      }),
    );
  };
}
