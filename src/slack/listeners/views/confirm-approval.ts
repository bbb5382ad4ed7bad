// The stronger approval for high-risk and irreversible changes: the approver types the registry name back.
import { modalMetadata } from "../../action-ids.js";
import { CONFIRM_BLOCK, CONFIRM_INPUT } from "../../blocks/modals.js";
import { escapeText, person } from "../../blocks/mrkdwn.js";
import type { SlackDeps } from "../../deps.js";
import { runModal } from "./run-modal.js";

export function confirmApprovalView(deps: SlackDeps) {
  return runModal(deps, {
    name: "confirm-approval",
    metadata: modalMetadata,
    what: "approve the change",
    read(values, run) {
      const typed = values[CONFIRM_BLOCK]?.[CONFIRM_INPUT]?.value?.trim() ?? "";
      if (run && typed.toLowerCase() !== run.target.registry.toLowerCase()) {
        return {
          ok: false,
          errors: { [CONFIRM_BLOCK]: `Type the registry name, ${run.target.registry}, exactly to approve.` },
        };
      }
      return { ok: true, input: typed };
    },
    still: {
      applies: (view, meta) => view.status === "awaiting-approval" && view.approval?.fingerprint === meta.f,
      otherwise: "The run is not waiting for this approval any more; nothing was approved.",
    },
    async act({ meta, input: typed, user, view }) {
      const title = view.approval?.title ?? meta.s;
      await deps.engine.approve(meta.r, user, { fingerprint: meta.f, confirmation: typed });
      await deps.messages.say(meta.r, `${person(user)} approved *${escapeText(title)}* (registry name confirmed).`);
    },
  });
}
