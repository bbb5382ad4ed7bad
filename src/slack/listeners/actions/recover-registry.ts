// A scan's Recover button: the same as typing `/acr-cmk recover <group>/<registry>` (diagnose, then the runbook the
// diagnosis names, in its own run message), for the registry the button names. The value is validated like any input.
import type { BlockButtonAction, Middleware, SlackActionMiddlewareArgs } from "@slack/bolt";
import { decodeValue, registryValue } from "../../action-ids.js";
import { escapeText } from "../../blocks/mrkdwn.js";
import type { SlackDeps } from "../../deps.js";
import { startRun } from "../commands/acr-cmk.js";
import { readClick, tell } from "./click.js";

export function recoverRegistryAction(deps: SlackDeps): Middleware<SlackActionMiddlewareArgs<BlockButtonAction>> {
  return async ({ ack, body, action, respond }) => {
    await ack();
    const click = readClick(body, action);
    if (!deps.dedupe.first(click.key)) return;
    const value = decodeValue(registryValue, action.value);
    if (!value) return tell(respond, "This button is not one acr-cmk can act on.");
    const channel = body.channel?.id ?? click.ref?.channel;
    if (!channel) return tell(respond, "acr-cmk cannot tell which channel this button is in.");
    await deps.ackFirst.turn();
    const registry = { ref: { resourceGroup: value.g, name: value.n }, subscriptionId: value.s };
    try {
      await startRun(deps, { action: "recover", registry, user: click.user, channel }, (message) => respond(message));
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      await tell(
        respond,
        `:warning: Could not start the recovery of ${escapeText(`${value.g}/${value.n}`)}: ${escapeText(why)}`,
      );
    }
  };
}
