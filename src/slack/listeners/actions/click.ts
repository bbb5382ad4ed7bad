// What every button listener needs from a block_actions payload: who clicked, which message, a dedupe key, and a way
// to answer only the person who clicked.
import type { BlockButtonAction, ButtonAction, RespondFn, types, webApi } from "@slack/bolt";
import type { SlackDeps } from "../../deps.js";
import type { MessageRef } from "../../run-messages.js";

export interface Click {
  user: string;
  /** The run's channel message, unless the click came from an ephemeral copy. */
  ref?: MessageRef;
  /** Same for a redelivery of this click, different for a second click. */
  key: string;
}

export function readClick(body: BlockButtonAction, action: ButtonAction): Click {
  const container = body.container as { channel_id?: string; message_ts?: string; is_ephemeral?: boolean } | undefined;
  const channel = container?.channel_id ?? body.channel?.id;
  const ts = container?.message_ts ?? body.message?.ts;
  const ref = channel && ts && !container?.is_ephemeral ? { channel, ts } : undefined;
  return {
    user: body.user.id,
    ...(ref ? { ref } : {}),
    key: `${body.user.id}:${action.action_id}:${action.action_ts}`,
  };
}

/** An ephemeral answer to the clicker, as a new message (the run's message stays as it is). */
export async function tell(respond: RespondFn, text: string): Promise<void> {
  await respond({ response_type: "ephemeral", replace_original: false, text });
}

/** Opens a modal for the click; when Slack will not (an expired trigger), the clicker is asked to click again. */
export async function openModal(
  deps: SlackDeps,
  client: webApi.WebClient,
  open: { runId: string; triggerId: string; view: types.ModalView; button: string },
  answer: (text: string) => Promise<void>,
): Promise<void> {
  try {
    await client.views.open({ trigger_id: open.triggerId, view: open.view });
  } catch (error) {
    deps.log.warn(
      { runId: open.runId, error: error instanceof Error ? error.name : typeof error },
      "views.open failed",
    );
    await answer(`:warning: Slack did not open the dialog; click ${open.button} again.`);
  }
}
