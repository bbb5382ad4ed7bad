// Ephemeral help: what `/acr-cmk` does, and, after a mistake, what was wrong.
import { SHORTCUT_RUNBOOKS } from "../../runbooks/catalogue.js";
import { escapeText, section, context, type Block } from "./mrkdwn.js";
import type { SlackMessage } from "./run-message.js";

const USAGE = [
  "*`/acr-cmk` — guided recovery for Azure Container Registry encrypted with a customer-managed key*",
  "`/acr-cmk diagnose <resource-group>/<registry>` — check the registry's key setup and name the runbook that fixes it",
  "`/acr-cmk triage <pasted Azure error>` — name the cause behind an error",
  "`/acr-cmk recover <resource-group>/<registry>` — diagnose, then run the runbook the diagnosis names",
  `\`/acr-cmk ${SHORTCUT_RUNBOOKS.join("|")} <resource-group>/<registry>\` — run that runbook`,
  "`/acr-cmk status [run-id]` — show a run (the latest one when no id is given)",
  "`/acr-cmk runs` — list recent runs",
  "`/acr-cmk scan` — every CMK registry and container group at once, a Recover button per unhealthy resource a runbook can fix",
  "`/acr-cmk abort <run-id> <reason>` — end a run that waits for an approval, a choice or a retry (its requester or an approver)",
  "A registry is `<resource-group>/<registry>` or its full resource id.",
].join("\n");

export function renderHelp(options: { error?: string; approvalTtlMs: number }): SlackMessage {
  const minutes = Math.round(options.approvalTtlMs / 60_000);
  const blocks: Block[] = [];
  if (options.error) blocks.push(section(`:warning: ${escapeText(options.error)}`));
  blocks.push(section(USAGE));
  blocks.push(
    context(
      `Every change waits for an approver who is not the requester; approvals expire after ${minutes} minute${minutes === 1 ? "" : "s"}. ` +
        "Slack does not deliver slash commands typed in threads: use the channel, and discuss a run in its message's thread.",
    ),
  );
  return { text: options.error ? `acr-cmk: ${options.error}` : "acr-cmk help", blocks };
}
