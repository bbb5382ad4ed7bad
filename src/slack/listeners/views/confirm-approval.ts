// The stronger approval for high-risk and irreversible changes: the approver types the registry's (or container
// group's) name back.
import { modalMetadata } from "../../action-ids.js";
import { CONFIRM_BLOCK, CONFIRM_INPUT } from "../../blocks/modals.js";
import { escapeText, person } from "../../blocks/mrkdwn.js";
import type { SlackDeps } from "../../deps.js";
import { runModal } from "./run-modal.js";
import { targetKind } from "../../../machines/target.js";

export function confirmApprovalView(deps: SlackDeps) {
  return runModal(deps, {
    name: "confirm-approval",
    metadata: modalMetadata,
    what: "approve the change",
    read(values, meta) {
      const typed = values[CONFIRM_BLOCK]?.[CONFIRM_INPUT]?.value?.trim() ?? "";
      // A revoke that cuts off a shared key's other users asks for their number instead of the registry name.
      const expected = meta?.x;
      const count = meta?.n === 1 ? expected : undefined;
      if (expected !== undefined && typed.toLowerCase() !== expected.toLowerCase()) {
        const what =
          count !== undefined
            ? `the number of resources affected, ${count},`
            : `the ${meta?.k ?? "registry"} name, ${expected},`;
        return { ok: false, errors: { [CONFIRM_BLOCK]: `Type ${what} exactly to approve.` } };
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
      await deps.messages.say(
        meta.r,
        `${person(user)} approved *${escapeText(title)}* (${view.approval?.confirmText !== undefined ? "number of resources affected" : `${targetKind(view.target)} name`} confirmed).`,
      );
    },
  });
}
