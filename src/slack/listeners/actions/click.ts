// What every button listener needs from a block_actions payload: who clicked, which message, a dedupe key, and a way
// to answer only the person who clicked.
import type { BlockButtonAction, ButtonAction, RespondFn } from "@slack/bolt";
import { RunRefused } from "../../../runs/types.js";
import type { SlackDeps } from "../../deps.js";
import { describeRefusal } from "../../refusals.js";
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

/**
 * Runs an engine call for a click; refusals are explained to the clicker, anything else is logged and summarised.
 * Afterwards the run's message is re-rendered either way: a refusal can mean the picture was out of date (an approval
 * that expired shows "Ask again" from then on).
 */
export async function actOnRun(
  deps: SlackDeps,
  respond: RespondFn,
  runId: string,
  what: string,
  call: () => Promise<void>,
): Promise<void> {
  try {
    await call();
    deps.messages.watch(runId);
  } catch (error) {
    deps.messages.watch(runId);
    if (error instanceof RunRefused) {
      await tell(respond, describeRefusal(error));
      return;
    }
    deps.log.error({ action: what, error: error instanceof Error ? error.name : typeof error }, "Slack action failed");
    await tell(respond, `:warning: acr-cmk could not ${what}; the app's log has the details.`);
  }
}
