// Abort on a run that waits for a person: asks for the reason in a modal (the abort itself happens on submit, in
// listeners/views/abort-reason.ts), so the audit log and the thread say why the run was given up.
import { runValue } from "../../action-ids.js";
import { abortRunModal } from "../../blocks/modals.js";
import { waitsForPerson } from "../../../runs/run-status.js";
import type { SlackDeps } from "../../deps.js";
import { NOT_ABORTABLE } from "../abort-run.js";
import { openModal } from "./click.js";
import { runButton } from "./run-button.js";

export function abortAction(deps: SlackDeps) {
  return runButton(deps, {
    value: runValue,
    what: "open the abort dialog",
    still: { applies: (view) => waitsForPerson(view), otherwise: NOT_ABORTABLE },
    driversOnly: "can abort it",
    async act({ value, view, click, body, client, answer }) {
      if (!click.ref) return answer("Abort from the run's message in the channel.");
      const modal = abortRunModal(view, { r: value.r, c: click.ref.channel, t: click.ref.ts });
      await openModal(
        deps,
        client,
        { runId: value.r, triggerId: body.trigger_id, view: modal, button: "Abort run" },
        answer,
      );
    },
  });
}
