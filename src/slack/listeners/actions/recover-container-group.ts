// A scan's Recover button on a container group: the group is diagnosed again (the scan may be old), then the runbook
// that repairs its key runs on the group in its own run message, with the same approvals as a registry's run. A
// group whose fix is not its key's gets the redeploy shape instead of a run: its encryption is fixed at deployment
// (https://learn.microsoft.com/azure/container-instances/container-instances-encrypt-data).
import type { BlockButtonAction, Middleware, SlackActionMiddlewareArgs } from "@slack/bolt";
import { groupRunHints, type ContainerGroupReport } from "../../../diagnosis/fleet/container-group.js";
import type { ContainerGroupTarget } from "../../../machines/target.js";
import { targetResourceId } from "../../../machines/target.js";
import { RunRefused } from "../../../runs/types.js";
import { containerGroupValue, decodeValue } from "../../action-ids.js";
import { code, codeBlock, escapeText, person, section, type Block } from "../../blocks/mrkdwn.js";
import type { SlackDeps } from "../../deps.js";
import { describeRefusal } from "../../refusals.js";
import { readClick, tell } from "./click.js";

function problemLines(report: ContainerGroupReport): string {
  return report.findings
    .filter((f) => f.severity !== "info")
    .map((f) => `• *${escapeText(f.id)}* ${escapeText(f.title)}`)
    .join("\n");
}

/** Why nothing runs: the problems, and the redeploy shape when the group must be redeployed. */
function noRunBlocks(report: ContainerGroupReport, name: string, user: string): { text: string; blocks: Block[] } {
  const text = `No runbook can repair container group ${name}: it must be redeployed with a usable key.`;
  const blocks: Block[] = [section(`:building_construction: ${escapeText(text)} (asked by ${person(user)})`)];
  const problems = problemLines(report);
  if (problems) blocks.push(section(problems));
  // section() cuts past Block Kit's limit; `acr-cmk diagnose --id` prints the file whole.
  if (report.redeploy)
    blocks.push(section(`Redeploy with ${code(report.redeploy.command)}:\n${codeBlock(report.redeploy.file)}`));
  return { text, blocks };
}

function describeStartFailure(error: unknown): string {
  if (error instanceof RunRefused) return describeRefusal(error);
  return `:warning: ${escapeText(error instanceof Error ? error.message : String(error))}`;
}

export function recoverContainerGroupAction(deps: SlackDeps): Middleware<SlackActionMiddlewareArgs<BlockButtonAction>> {
  return async ({ ack, body, action, respond }) => {
    await ack();
    const click = readClick(body, action);
    if (!deps.dedupe.first(click.key)) return;
    const value = decodeValue(containerGroupValue, action.value);
    if (!value) return tell(respond, "This button is not one acr-cmk can act on.");
    const channel = body.channel?.id ?? click.ref?.channel;
    if (!channel) return tell(respond, "acr-cmk cannot tell which channel this button is in.");
    if (!deps.diagnoseContainerGroup) return tell(respond, "This acr-cmk app cannot diagnose container groups.");
    await deps.ackFirst.turn();
    const target: ContainerGroupTarget = { subscriptionId: value.s, resourceGroup: value.g, containerGroup: value.n };
    const name = `${value.g}/${value.n}`;
    let report: ContainerGroupReport | null;
    try {
      report = await deps.diagnoseContainerGroup(targetResourceId(target));
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return tell(respond, `:warning: Could not diagnose container group ${escapeText(name)}: ${escapeText(why)}`);
    }
    if (!report) return tell(respond, `:mag: Container group ${code(name)} was not found.`);
    if (report.healthy) {
      await respond({ response_type: "in_channel", text: `Container group ${name} is healthy: nothing to recover.` });
      return;
    }
    if (!report.runbook) {
      await respond({ response_type: "in_channel", ...noRunBlocks(report, name, click.user) });
      return;
    }
    const runbook = report.runbook;
    const ref = await deps.messages.postPlaceholder(
      channel,
      `${person(click.user)} asked for ${runbook} on container group ${escapeText(name)}: starting…`,
    );
    try {
      const view = await deps.engine.start({
        runbook,
        target,
        requester: click.user,
        driver: "slack",
        hints: groupRunHints(report),
      });
      deps.log.info({ runId: view.id, runbook, user: click.user, containerGroup: name }, "run started from Slack");
      deps.messages.watch(view.id, ref);
    } catch (error) {
      deps.log.warn(
        { containerGroup: name, runbook, error: error instanceof RunRefused ? `RunRefused:${error.reason}` : "error" },
        "run from Slack did not start",
      );
      await deps.messages.replace(
        ref,
        `${person(click.user)} asked for ${runbook} on container group ${escapeText(name)}; it did not start. ${describeStartFailure(error)}`,
      );
    }
  };
}
