// Triage of a pasted error: the cause, the runbook to run, and the words that said so.
import { CAUSE_TITLES } from "../../diagnosis/triage.js";
import type { TriageResult } from "../../diagnosis/types.js";
import { slackRunSubcommand } from "../../runbooks/catalogue.js";
import { code, codeBlock, section, truncate, type Block } from "./mrkdwn.js";
import type { SlackMessage } from "./run-message.js";

export function renderTriage(result: TriageResult): SlackMessage {
  if (result.cause === "unknown") {
    const text =
      "No customer-managed-key cause recognised in this text. Triage names a cause only from the codes and messages " +
      "Azure emits for CMK failures; to check the registry itself, run `/acr-cmk diagnose <resource-group>/<registry>`.";
    return { text: "acr-cmk triage: no CMK cause recognised", blocks: [section(`:grey_question: ${text}`)] };
  }
  const run = slackRunSubcommand(result.runbook);
  // The registry the paste names, when it names its resource group too; the slash command takes <group>/<name>.
  const target = result.registry?.resourceGroup
    ? `${result.registry.resourceGroup}/${result.registry.name}`
    : "<resource-group>/<registry>";
  const blocks: Block[] = [
    section(`:mag: *Likely cause:* ${CAUSE_TITLES[result.cause]} ${code(result.cause)}`),
    ...(result.service
      ? [
          section(
            `:information_source: This error comes from ${result.service}, not from a container registry: the runbooks ` +
              `repair registries, so fix the same cause on that resource.`,
          ),
        ]
      : []),
    section(`*Next:* \`/acr-cmk ${run} ${target}\`` + (result.runbook ? ` (runbook ${code(result.runbook)})` : "")),
    section(`*Evidence:*\n${codeBlock(truncate(result.evidence.replace(/\s+/g, " ").trim(), 2000))}`),
  ];
  return { text: `acr-cmk triage: ${result.cause}`, blocks };
}
