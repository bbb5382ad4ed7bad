// Aborting a run, from the Abort modal or `/acr-cmk abort`: the engine records who and why in the audit log and ends
// the run; the thread says so too (the run's message follows the engine's view).
import { escapeText, person } from "../blocks/mrkdwn.js";
import type { SlackDeps } from "../deps.js";

export const NOT_ABORTABLE =
  "The run is not waiting for anyone (an approval, a choice or a retry after an error), so it cannot be aborted now; its message shows where it is.";

export async function abortRun(deps: SlackDeps, runId: string, user: string, reason: string): Promise<void> {
  await deps.engine.abort(runId, user, reason);
  deps.log.info({ runId, user }, "run aborted from Slack");
  await deps.messages.say(runId, `${person(user)} aborted the run: ${escapeText(reason)}`);
}
