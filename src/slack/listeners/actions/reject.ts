// Reject on a change step: asks for the reason in a modal (the rejection itself happens on submit, in
// listeners/views/reject-reason.ts), so the audit log and the thread say why.
import type { BlockButtonAction, Middleware, SlackActionMiddlewareArgs } from "@slack/bolt";
import { approvalValue, decodeValue } from "../../action-ids.js";
import { rejectReasonModal } from "../../blocks/modals.js";
import { mayDrive, type SlackDeps } from "../../deps.js";
import { readClick, tell } from "./click.js";

export function rejectAction(deps: SlackDeps): Middleware<SlackActionMiddlewareArgs<BlockButtonAction>> {
  return async ({ ack, body, action, respond, client }) => {
    await ack();
    const click = readClick(body, action);
    if (!deps.dedupe.first(click.key)) return;
    const value = decodeValue(approvalValue, action.value);
    if (!value) return tell(respond, "This button is not one acr-cmk can act on.");
    if (click.ref) deps.messages.watch(value.r, click.ref);
    const view = deps.engine.get(value.r);
    const request = view?.approval;
    if (!view || view.status !== "awaiting-approval" || !request || request.fingerprint !== value.f) {
      return tell(respond, "The run is not waiting for this approval any more; its message shows where it is now.");
    }
    if (!mayDrive(deps, click.user, view.requester)) {
      return tell(
        respond,
        ":no_entry_sign: Only the run's requester and the approvers (ACR_CMK_APPROVERS) can reject its changes.",
      );
    }
    if (!click.ref) return tell(respond, "Reject from the run's message in the channel.");
    try {
      await client.views.open({
        trigger_id: body.trigger_id,
        view: rejectReasonModal(request, { ...value, c: click.ref.channel, t: click.ref.ts }),
      });
    } catch (error) {
      deps.log.warn({ runId: value.r, error: error instanceof Error ? error.name : typeof error }, "views.open failed");
      await tell(respond, ":warning: Slack did not open the reason dialog; click Reject again.");
    }
  };
}
