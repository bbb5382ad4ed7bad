// `/acr-cmk scan` in chat: the fleet's health in one message, the unhealthy resources worst first, each with a Recover
// button where a runbook fixes it: a registry's starts `/acr-cmk recover` for it, a container group's starts the run
// that repairs its key on the group. A group whose fix is not its key's must be redeployed: it says so instead.
import type { ResourceResult, ScanReport } from "../../diagnosis/fleet/scan.js";
import { keySummary } from "../../diagnosis/fleet/scan-text.js";
import { ACTION, encodeValue } from "../action-ids.js";
import { code, context, escapeText, person, section, type Block } from "./mrkdwn.js";

/** Block Kit allows 50 blocks a message: the rest are counted, and `acr-cmk scan` lists them all. */
const SHOWN = 20;

function line(r: ResourceResult): string {
  const finding = r.findings.find((f) => f.severity !== "info") ?? r.findings[0];
  const what = r.type === "registry" ? "registry" : "container group";
  const key = r.keyId?.replace(/^https:\/\/([^./]+)\.[^/]+\/keys\//i, "$1/") ?? "no key";
  const fix =
    r.type === "registry"
      ? r.runbook
        ? `runbook ${code(r.runbook)}`
        : "no runbook fixes it"
      : r.runbook
        ? `the key's fix: runbook ${code(r.runbook)} on this group`
        : `must be redeployed with a usable key: ${code(`acr-cmk diagnose --id ${r.id}`)} gives the ${code("az container create")} shape`;
  return `:red_circle: *${escapeText(`${r.resourceGroup}/${r.name}`)}* (${what}) · key ${code(key)} · ${escapeText(finding?.id ?? "unhealthy")} · ${fix}`;
}

function resourceBlock(r: ResourceResult): Block {
  if (!r.runbook) return section(line(r));
  return {
    type: "section",
    text: { type: "mrkdwn", text: line(r) },
    accessory: {
      type: "button",
      action_id: r.type === "registry" ? ACTION.recoverRegistry : ACTION.recoverContainerGroup,
      text: { type: "plain_text", text: "Recover" },
      style: "danger",
      value: encodeValue({ g: r.resourceGroup, n: r.name, s: r.subscriptionId }),
    },
  };
}

export function renderScan(report: ScanReport, user: string): { text: string; blocks: Block[] } {
  const unhealthy = report.resources.filter((r) => !r.healthy);
  const summary =
    `${report.resources.length} CMK resources, ${unhealthy.length} unhealthy, ${report.keys.length} keys ` +
    `(scan asked by ${person(user)})`;
  const brokenKeys = report.keys.filter((k) => k.users.some((id) => unhealthy.some((r) => r.id === id)));
  const blocks: Block[] = [section(`${unhealthy.length ? ":rotating_light:" : ":white_check_mark:"} ${summary}`)];
  if (brokenKeys.length > 0) {
    const keys = brokenKeys.slice(0, 5).map((k) => escapeText(keySummary(k, report.resources)));
    blocks.push(context(keys.join("\n")));
  }
  for (const r of unhealthy.slice(0, SHOWN)) blocks.push(resourceBlock(r));
  if (unhealthy.length > SHOWN) {
    blocks.push(context(`… and ${unhealthy.length - SHOWN} more: \`acr-cmk scan\` lists them all.`));
  }
  const unreadable = report.subscriptions.filter((s) => !s.readable);
  if (unreadable.length > 0) {
    const list = unreadable.map((s) => `${code(s.subscriptionId)} (${escapeText(s.reason ?? "not readable")})`);
    blocks.push(context(`Not scanned: ${list.join(", ")}`));
  }
  return { text: `acr-cmk scan: ${summary.replace(/ \(scan asked by .*\)$/, "")}`, blocks };
}
