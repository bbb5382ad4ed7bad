// Every modal about a run goes through here: read and validate the fields (mistakes go back into the modal), then,
// acknowledged, act once per submission (Slack redelivers one it did not see acknowledged), serialised per run, after
// checking that the run is still where the modal was opened and that the submitter may drive it.
import type { Middleware, SlackViewMiddlewareArgs, ViewOutput, ViewSubmitAction, webApi } from "@slack/bolt";
import type { z } from "zod";
import type { RunView } from "../../../runs/types.js";
import { decodeValue } from "../../action-ids.js";
import { mayDrive, type SlackDeps } from "../../deps.js";
import { actOnRun, onlyDrivers } from "../act-on-run.js";
import { notifyUser, type ModalOrigin } from "./notify.js";

export type ModalValues = ViewOutput["state"]["values"];

/** What the fields said: the input to act on, or an error per block to show in the modal. */
export type ModalInput<I> = { ok: true; input: I } | { ok: false; errors: Record<string, string> };

export interface ModalSubmission<M, I> {
  meta: M;
  input: I;
  user: string;
  /** The run as it is now, inside the per-run queue. */
  view: RunView;
  client: webApi.WebClient;
  /** An ephemeral answer to the submitter in the run's channel. */
  answer(text: string): Promise<void>;
}

export interface RunModalSpec<M extends ModalOrigin, I> {
  /** For the log when the metadata is unreadable. */
  name: string;
  metadata: z.ZodType<M>;
  /** For "acr-cmk could not …". */
  what: string;
  /** Checked before the acknowledgement (errors go back in it): the submission and its metadata only, no store. */
  read(values: ModalValues, meta: M | undefined): ModalInput<I>;
  /** The run is still where the modal was opened; otherwise `otherwise` is said and nothing happens. */
  still: { applies(view: RunView, meta: M, now: Date): boolean; otherwise: string };
  /** Only the requester and the approvers may submit; the words finish "Only … ". Absent: the engine decides. */
  driversOnly?: string;
  act(submission: ModalSubmission<M, I>): Promise<void>;
}

export function runModal<M extends ModalOrigin, I>(
  deps: SlackDeps,
  spec: RunModalSpec<M, I>,
): Middleware<SlackViewMiddlewareArgs<ViewSubmitAction>> {
  return async ({ ack, body, view, client }) => {
    const meta = decodeValue(spec.metadata, view.private_metadata);
    const read = spec.read(view.state.values, meta);
    if (!read.ok) {
      await ack({ response_action: "errors", errors: read.errors });
      return;
    }
    await ack();
    if (!meta) {
      deps.log.warn({ view: spec.name }, "modal submission with unreadable metadata");
      return;
    }
    if (!deps.dedupe.first(`view:${view.id}:${view.hash}`)) return;
    const user = body.user.id;
    const answer = (text: string) => notifyUser(deps, client, meta, user, text);

    await actOnRun(deps, { runId: meta.r, what: spec.what, answer, source: "modal" }, async () => {
      const current = await deps.engine.get(meta.r);
      if (!current || !spec.still.applies(current, meta, deps.now())) return answer(spec.still.otherwise);
      if (spec.driversOnly !== undefined && !mayDrive(deps, user, current.requester)) {
        return answer(onlyDrivers(spec.driversOnly));
      }
      await spec.act({ meta, input: read.input, user, view: current, client, answer });
    });
  };
}
