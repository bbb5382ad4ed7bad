// The reject modal's submission: the reason is validated, then the engine rejects (and audits it with the Slack user).
import { modalMetadata } from "../../action-ids.js";
import { escapeText, person } from "../../blocks/mrkdwn.js";
import type { SlackDeps } from "../../deps.js";
import { readReason } from "./reason.js";
import { runModal } from "./run-modal.js";

export function rejectReasonView(deps: SlackDeps) {
  return runModal(deps, {
    name: "reject-reason",
    metadata: modalMetadata,
    what: "reject the change",
    read: readReason,
    still: {
      applies: (view, meta) => view.status === "awaiting-approval" && view.approval?.fingerprint === meta.f,
      otherwise: "The run is not waiting for this approval any more; nothing was rejected.",
    },
    async act({ meta, input: reason, user, view }) {
      const title = view.approval?.title ?? meta.s;
      await deps.engine.reject(meta.r, user, reason);
      await deps.messages.say(meta.r, `${person(user)} rejected *${escapeText(title)}*: ${escapeText(reason)}`);
    },
  });
}
