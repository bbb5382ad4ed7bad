// The reject modal's submission: the reason is validated, then the engine rejects (and audits it with the Slack user).
import type { Middleware, SlackViewMiddlewareArgs, ViewSubmitAction } from "@slack/bolt";
import { z } from "zod";
import { decodeValue, modalMetadata } from "../../action-ids.js";
import { REASON_BLOCK, REASON_INPUT } from "../../blocks/modals.js";
import { escapeText, person } from "../../blocks/mrkdwn.js";
import type { SlackDeps } from "../../deps.js";
import { actFromModal, notifyUser } from "./notify.js";

const reasonSchema = z
  .string({ error: "Give a reason." })
  .trim()
  .min(3, "Give a reason of at least 3 characters.")
  .max(500, "Keep the reason under 500 characters.");

export function rejectReasonView(deps: SlackDeps): Middleware<SlackViewMiddlewareArgs<ViewSubmitAction>> {
  return async ({ ack, body, view, client }) => {
    const reason = reasonSchema.safeParse(view.state.values[REASON_BLOCK]?.[REASON_INPUT]?.value ?? undefined);
    if (!reason.success) {
      await ack({
        response_action: "errors",
        errors: { [REASON_BLOCK]: reason.error.issues[0]?.message ?? "Invalid reason." },
      });
      return;
    }
    await ack();
    const meta = decodeValue(modalMetadata, view.private_metadata);
    if (!meta) {
      deps.log.warn({ view: VIEW_NAME }, "reject modal with unreadable metadata");
      return;
    }
    // A modal submission is delivered again when Slack did not see the acknowledgement: act on it once.
    if (!deps.dedupe.first(`view:${view.id}:${view.hash}`)) return;
    const user = body.user.id;
    await deps.queue.run(meta.r, () =>
      actFromModal(deps, client, meta, user, "reject the change", async () => {
        const current = deps.engine.get(meta.r);
        if (!current || current.status !== "awaiting-approval" || current.approval?.fingerprint !== meta.f) {
          return notifyUser(
            deps,
            client,
            meta,
            user,
            "The run is not waiting for this approval any more; nothing was rejected.",
          );
        }
        const title = current.approval.title;
        await deps.engine.reject(meta.r, user, reason.data);
        await deps.messages.say(meta.r, `${person(user)} rejected *${escapeText(title)}*: ${escapeText(reason.data)}`);
      }),
    );
  };
}

const VIEW_NAME = "reject-reason";
