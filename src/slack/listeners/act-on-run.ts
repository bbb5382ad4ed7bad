// The one way a click or a modal submission acts on a run: serialised per run (a second click sees what the first one
// did), refusals explained to the person, anything else logged and summarised, and the run's message re-rendered
// either way (a refusal can mean the picture was out of date: an approval that expired shows "Ask again" from then on).
import { RunRefused } from "../../runs/types.js";
import type { SlackDeps } from "../deps.js";
import { describeRefusal } from "../refusals.js";

export interface RunAction {
  runId: string;
  /** What the person was doing, for "acr-cmk could not …". */
  what: string;
  /** Where the answer goes: the response URL of a click, or an ephemeral message for a modal. */
  answer(text: string): Promise<void>;
  /** Which surface the action came from, for the log. */
  source: "button" | "modal" | "command";
}

export function actOnRun(deps: SlackDeps, action: RunAction, call: () => Promise<void>): Promise<void> {
  return deps.queue.run(action.runId, async () => {
    try {
      await call();
      await deps.messages.watch(action.runId);
    } catch (error) {
      await deps.messages.watch(action.runId);
      if (error instanceof RunRefused) {
        await action.answer(describeRefusal(error));
        return;
      }
      deps.log.error(
        { action: action.what, source: action.source, error: error instanceof Error ? error.name : typeof error },
        "Slack action failed",
      );
      await action.answer(`:warning: acr-cmk could not ${action.what}; the app's log has the details.`);
    }
  });
}

/** Said to a stranger: the requester and the approvers may drive a run; `verb` finishes the sentence. */
export function onlyDrivers(verb: string): string {
  return `:no_entry_sign: Only the run's requester and the approvers (ACR_CMK_APPROVERS) ${verb}.`;
}
