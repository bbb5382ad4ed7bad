// The stronger approval for high-risk and irreversible changes: the approver types the registry name back.
import type { Middleware, SlackViewMiddlewareArgs, ViewSubmitAction } from "@slack/bolt";
import { decodeValue, modalMetadata } from "../../action-ids.js";
import { CONFIRM_BLOCK, CONFIRM_INPUT } from "../../blocks/modals.js";
import { escapeText, person } from "../../blocks/mrkdwn.js";
import type { SlackDeps } from "../../deps.js";
import { actFromModal, notifyUser } from "./notify.js";

export function confirmApprovalView(deps: SlackDeps): Middleware<SlackViewMiddlewareArgs<ViewSubmitAction>> {
  return async ({ ack, body, view, client }) => {
    const meta = decodeValue(modalMetadata, view.private_metadata);
    const run = meta ? deps.engine.get(meta.r) : undefined;
    const typed = view.state.values[CONFIRM_BLOCK]?.[CONFIRM_INPUT]?.value?.trim() ?? "";
    if (run && typed.toLowerCase() !== run.target.registry.toLowerCase()) {
      await ack({
        response_action: "errors",
        errors: { [CONFIRM_BLOCK]: `Type the registry name, ${run.target.registry}, exactly to approve.` },
      });
      return;
    }
    await ack();
    if (!meta || !run) {
      deps.log.warn({ view: "confirm-approval" }, "confirmation modal for an unknown run");
      return;
    }
    if (!deps.dedupe.first(`view:${view.id}:${view.hash}`)) return;
    const user = body.user.id;
    await deps.queue.run(meta.r, () =>
      actFromModal(deps, client, meta, user, "approve the change", async () => {
        const current = deps.engine.get(meta.r);
        if (!current || current.status !== "awaiting-approval" || current.approval?.fingerprint !== meta.f) {
          return notifyUser(
            deps,
            client,
            meta,
            user,
            "The run is not waiting for this approval any more; nothing was approved.",
          );
        }
        const title = current.approval.title;
        await deps.engine.approve(meta.r, user, { fingerprint: meta.f, confirmation: typed });
        await deps.messages.say(meta.r, `${person(user)} approved *${escapeText(title)}* (registry name confirmed).`);
      }),
    );
  };
}
