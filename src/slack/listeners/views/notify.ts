// Modal submissions have no response URL: refusals reach the person as an ephemeral message in the run's channel.
import type { webApi } from "@slack/bolt";
import { RunRefused } from "../../../runs/types.js";
import type { ModalMetadata } from "../../action-ids.js";
import type { SlackDeps } from "../../deps.js";
import { describeRefusal } from "../../refusals.js";

export async function notifyUser(
  deps: SlackDeps,
  client: webApi.WebClient,
  meta: ModalMetadata,
  user: string,
  text: string,
): Promise<void> {
  try {
    await client.chat.postEphemeral({ channel: meta.c, user, text });
  } catch (error) {
    deps.log.warn(
      { runId: meta.r, error: error instanceof Error ? error.name : typeof error },
      "chat.postEphemeral failed",
    );
  }
}

export async function actFromModal(
  deps: SlackDeps,
  client: webApi.WebClient,
  meta: ModalMetadata,
  user: string,
  what: string,
  call: () => Promise<void>,
): Promise<void> {
  try {
    await call();
    deps.messages.watch(meta.r);
  } catch (error) {
    deps.messages.watch(meta.r);
    if (error instanceof RunRefused) return notifyUser(deps, client, meta, user, describeRefusal(error));
    deps.log.error(
      { action: what, error: error instanceof Error ? error.name : typeof error },
      "Slack modal action failed",
    );
    await notifyUser(deps, client, meta, user, `:warning: acr-cmk could not ${what}; the app's log has the details.`);
  }
}
