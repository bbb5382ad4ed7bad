// `/acr-cmk runs`: the most recent runs, newest first.
import type { RunSummary } from "../../runs/types.js";
import { code, escapeText, person, section, slackDate, type Block } from "./mrkdwn.js";
import type { SlackMessage } from "./run-message.js";
import { targetPath } from "../../machines/target.js";

const SHOWN = 15;

export function renderRunsList(runs: readonly RunSummary[]): SlackMessage {
  if (runs.length === 0) return { text: "No runs yet.", blocks: [section("No runs yet.")] };
  const newest = [...runs].sort((a, b) => b.startedAt.localeCompare(a.startedAt)).slice(0, SHOWN);
  const lines = newest.map(
    (run) =>
      `${code(run.id)} ${escapeText(run.runbook)} on ${escapeText(`${targetPath(run.target)}`)} — ` +
      `*${run.status}* · ${person(run.requester)} · ${slackDate(run.startedAt)}`,
  );
  const blocks: Block[] = [section(`*Recent runs* (\`/acr-cmk status <run-id>\` shows one)\n${lines.join("\n")}`)];
  return { text: `${runs.length} runs`, blocks };
}
