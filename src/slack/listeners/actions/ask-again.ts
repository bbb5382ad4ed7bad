// After an approval request expired the run waits; "Ask again" resumes it, which re-checks Azure and requests a
// fresh approval with a new expiry.
import type { BlockButtonAction, Middleware, SlackActionMiddlewareArgs } from "@slack/bolt";
import { decodeValue, runValue } from "../../action-ids.js";
import { approvalExpired } from "../../blocks/run-message.js";
import { person } from "../../blocks/mrkdwn.js";
import { mayDrive, type SlackDeps } from "../../deps.js";
import { actOnRun, readClick, tell } from "./click.js";

export function askAgainAction(deps: SlackDeps): Middleware<SlackActionMiddlewareArgs<BlockButtonAction>> {
  return async ({ ack, body, action, respond }) => {
    await ack();
    const click = readClick(body, action);
    if (!deps.dedupe.first(click.key)) return;
    const value = decodeValue(runValue, action.value);
    if (!value) return tell(respond, "This button is not one acr-cmk can act on.");
    if (click.ref) deps.messages.watch(value.r, click.ref);

    await deps.queue.run(value.r, () =>
      actOnRun(deps, respond, value.r, "ask for approval again", async () => {
        const view = deps.engine.get(value.r);
        if (!view || view.status !== "awaiting-approval" || !approvalExpired(view, deps.now())) {
          return tell(respond, "There is no expired approval request on this run; its message shows where it is now.");
        }
        if (!mayDrive(deps, click.user, view.requester)) {
          return tell(
            respond,
            ":no_entry_sign: Only the run's requester and the approvers (ACR_CMK_APPROVERS) can ask again.",
          );
        }
        await deps.engine.resume(value.r, click.user);
        await deps.messages.say(value.r, `${person(click.user)} asked for the approval again.`);
      }),
    );
  };
}
