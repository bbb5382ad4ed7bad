// The abort modal's submission: the reason is validated, then the engine aborts the run and audits it with the Slack
// user. The submitter's right is checked again: a submission is a request of its own.
import { runModalMetadata } from "../../action-ids.js";
import { waitsForPerson } from "../../../runs/run-status.js";
import type { SlackDeps } from "../../deps.js";
import { abortRun } from "../abort-run.js";
import { readReason } from "./reason.js";
import { runModal } from "./run-modal.js";

export function abortReasonView(deps: SlackDeps) {
  return runModal(deps, {
    name: "abort-reason",
    metadata: runModalMetadata,
    what: "abort the run",
    read: readReason,
    still: {
      applies: (view) => waitsForPerson(view),
      otherwise: "The run is not waiting for anyone any more; nothing was aborted. Its message shows where it is.",
    },
    driversOnly: "can abort it",
    act: ({ meta, input: reason, user }) => abortRun(deps, meta.r, user, reason),
  });
}
