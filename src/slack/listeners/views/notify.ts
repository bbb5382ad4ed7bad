// Modal submissions have no response URL: answers reach the person as an ephemeral message in the run's channel.
import type { webApi } from "@slack/bolt";
import type { SlackDeps } from "../../deps.js";

/** Where a modal was opened from: the run and the channel of its message. */
export interface ModalOrigin {
  r: string;
  c: string;
}

export async function notifyUser(
  deps: SlackDeps,
  client: webApi.WebClient,
  origin: ModalOrigin,
  user: string,
  text: string,
): Promise<void> {
  try {
    await client.chat.postEphemeral({ channel: origin.c, user, text });
  } catch (error) {
    deps.log.warn(
      { runId: origin.r, error: error instanceof Error ? error.name : typeof error },
      "chat.postEphemeral failed",
    );
  }
}
