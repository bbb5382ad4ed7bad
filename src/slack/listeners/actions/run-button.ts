// Every button on a run's message goes through here: acknowledge, read the click, act once per click (Slack
// redelivers, people double-click), validate the button's value, bind the run to its message, then check that the
// run is still where the button was drawn and that the clicker may drive it, all serialised per run.
import type { BlockButtonAction, Middleware, RespondFn, SlackActionMiddlewareArgs, webApi } from "@slack/bolt";
import type { z } from "zod";
import { RunRefused, type RunView } from "../../../runs/types.js";
import { decodeValue } from "../../action-ids.js";
import { mayDrive, type SlackDeps } from "../../deps.js";
import { actOnRun, onlyDrivers } from "../act-on-run.js";
import { readClick, tell, type Click } from "./click.js";

export interface ButtonClick<T> {
  value: T;
  /** The run as it is now, inside the per-run queue. */
  view: RunView;
  click: Click;
  body: BlockButtonAction;
  client: webApi.WebClient;
  respond: RespondFn;
  /** An ephemeral answer to the clicker. */
  answer(text: string): Promise<void>;
}

export interface RunButtonSpec<T extends { r: string }> {
  /** The button's value, validated. */
  value: z.ZodType<T>;
  /** For "acr-cmk could not …". */
  what: string;
  /** The run is still where the button was drawn; otherwise `otherwise` is said and nothing happens. */
  still?: { applies(view: RunView, value: T, now: Date): boolean; otherwise: string };
  /** Only the requester and the approvers may click; the words finish "Only … ". Absent: the engine alone decides. */
  driversOnly?: string;
  act(click: ButtonClick<T>): Promise<void>;
}

export function runButton<T extends { r: string }>(
  deps: SlackDeps,
  spec: RunButtonSpec<T>,
): Middleware<SlackActionMiddlewareArgs<BlockButtonAction>> {
  return async ({ ack, body, action, respond, client }) => {
    await ack();
    const click = readClick(body, action);
    if (!deps.dedupe.first(click.key)) return;
    const answer = (text: string) => tell(respond, text);
    const value = decodeValue(spec.value, action.value);
    if (!value) return answer("This button is not one acr-cmk can act on.");
    if (click.ref) await deps.messages.watch(value.r, click.ref);

    await actOnRun(deps, { runId: value.r, what: spec.what, answer, source: "button" }, async () => {
      const view = await deps.engine.get(value.r);
      if (!view) throw new RunRefused(`No run with id ${value.r}.`, "unknown-run");
      if (spec.still && !spec.still.applies(view, value, deps.now())) return answer(spec.still.otherwise);
      if (spec.driversOnly !== undefined && !mayDrive(deps, click.user, view.requester)) {
        return answer(onlyDrivers(spec.driversOnly));
      }
      await spec.act({ value, view, click, body, client, respond, answer });
    });
  };
}
