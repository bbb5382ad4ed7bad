// A choice a run asks for (e.g. "enable purge protection now?"). Only the requester and the approvers choose; a
// choice that leads to a change still waits for its own approval.
import type { BlockButtonAction, Middleware, SlackActionMiddlewareArgs } from "@slack/bolt";
import { decodeValue, inputValue } from "../../action-ids.js";
import { escapeText, person } from "../../blocks/mrkdwn.js";
import { mayDrive, type SlackDeps } from "../../deps.js";
import { actOnRun, readClick, tell } from "./click.js";

export function inputAction(deps: SlackDeps): Middleware<SlackActionMiddlewareArgs<BlockButtonAction>> {
  return async ({ ack, body, action, respond }) => {
    await ack();
    const click = readClick(body, action);
    if (!deps.dedupe.first(click.key)) return;
    const value = decodeValue(inputValue, action.value);
    if (!value) return tell(respond, "This button is not one acr-cmk can act on.");
    if (click.ref) deps.messages.watch(value.r, click.ref);

    await deps.queue.run(value.r, () =>
      actOnRun(deps, respond, value.r, "record the choice", async () => {
        const view = deps.engine.get(value.r);
        if (!view || view.status !== "awaiting-input" || view.input?.stepId !== value.s) {
          return tell(respond, "The run is not waiting for this choice any more; its message shows where it is now.");
        }
        if (!mayDrive(deps, click.user, view.requester)) {
          return tell(
            respond,
            ":no_entry_sign: Only the run's requester and the approvers (ACR_CMK_APPROVERS) choose for it.",
          );
        }
        const label = view.input.options.find((option) => option.id === value.o)?.label ?? value.o;
        await deps.engine.input(value.r, click.user, value.o);
        await deps.messages.say(value.r, `${person(click.user)} chose *${escapeText(label)}*.`);
      }),
    );
  };
}
