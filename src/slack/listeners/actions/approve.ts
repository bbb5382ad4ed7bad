// Approve on a change step. The engine decides (two-person rule, approvers list, expiry, fingerprint) and writes the
// audit entry with the clicker's Slack user id; a high-risk or irreversible change first asks for the registry name.
import type { BlockButtonAction, Middleware, SlackActionMiddlewareArgs } from "@slack/bolt";
import { RunRefused } from "../../../runs/types.js";
import { approvalValue, decodeValue, type ApprovalValue } from "../../action-ids.js";
import { confirmApprovalModal } from "../../blocks/modals.js";
import { escapeText, person } from "../../blocks/mrkdwn.js";
import type { SlackDeps } from "../../deps.js";
import { actOnRun, readClick, tell } from "./click.js";

/** Who already approved exactly this change (same step, same Azure state), from the audit trail. */
export function approverOf(deps: SlackDeps, value: ApprovalValue): string | undefined {
  return deps.engine
    .auditTrail(value.r)
    .find(
      (entry) =>
        entry.action === "approve" &&
        entry.outcome === "approved" &&
        entry.details.fingerprint === value.f &&
        entry.details.step === value.s,
    )?.actor;
}

export function approveAction(deps: SlackDeps): Middleware<SlackActionMiddlewareArgs<BlockButtonAction>> {
  return async ({ ack, body, action, respond, client }) => {
    await ack();
    const click = readClick(body, action);
    if (!deps.dedupe.first(click.key)) return;
    const value = decodeValue(approvalValue, action.value);
    if (!value) return tell(respond, "This button is not one acr-cmk can act on.");
    if (click.ref) deps.messages.watch(value.r, click.ref);

    await deps.queue.run(value.r, () =>
      actOnRun(deps, respond, value.r, "approve the change", async () => {
        const view = deps.engine.get(value.r);
        if (!view) throw new RunRefused(`No run with id ${value.r}.`, "unknown-run");
        if (view.status !== "awaiting-approval") {
          const approver = approverOf(deps, value);
          if (approver) return tell(respond, `Already approved by ${person(approver)}; the change runs once.`);
        }
        const request = view.approval;
        try {
          await deps.engine.approve(value.r, click.user, { fingerprint: value.f });
        } catch (error) {
          // Everything else checks out; this change also needs the registry name typed back.
          if (error instanceof RunRefused && error.reason === "confirmation-required" && request && click.ref) {
            await client.views.open({
              trigger_id: body.trigger_id,
              view: confirmApprovalModal(request, view.target.registry, {
                ...value,
                c: click.ref.channel,
                t: click.ref.ts,
              }),
            });
            return;
          }
          throw error;
        }
        await deps.messages.say(value.r, `${person(click.user)} approved *${escapeText(request?.title ?? value.s)}*.`);
      }),
    );
  };
}
