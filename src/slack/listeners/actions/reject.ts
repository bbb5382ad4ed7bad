// Reject on a change step: asks for the reason in a modal (the rejection itself happens on submit, in
// listeners/views/reject-reason.ts), so the audit log and the thread say why.
import { approvalValue } from "../../action-ids.js";
import { rejectReasonModal } from "../../blocks/modals.js";
import type { SlackDeps } from "../../deps.js";
import { openModal } from "./click.js";
import { runButton } from "./run-button.js";

export function rejectAction(deps: SlackDeps) {
  return runButton(deps, {
    value: approvalValue,
    what: "open the reason dialog",
    still: {
      applies: (view, value) => view.status === "awaiting-approval" && view.approval?.fingerprint === value.f,
      otherwise: "The run is not waiting for this approval any more; its message shows where it is now.",
    },
    driversOnly: "can reject its changes",
    async act({ value, view, click, body, client, answer }) {
      if (!click.ref || !view.approval) return answer("Reject from the run's message in the channel.");
      const modal = rejectReasonModal(view.approval, { ...value, c: click.ref.channel, t: click.ref.ts });
      await openModal(
        deps,
        client,
        { runId: value.r, triggerId: body.trigger_id, view: modal, button: "Reject" },
        answer,
      );
    },
  });
}
