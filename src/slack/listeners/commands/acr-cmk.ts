// `/acr-cmk …`: acknowledged at once (Slack gives three seconds, Azure may take longer), then the work, then the answer
// through the response URL or the run's own message. Bad input gets ephemeral help, never silence.
import type { Middleware, RespondArguments, SlackCommandMiddlewareArgs } from "@slack/bolt";
import { isAzureFailure } from "../../../azure/types.js";
import { incidentFor } from "../../../diagnosis/timeline/incident.js";
import type { DiagnosisReport } from "../../../diagnosis/diagnose.js";
import { nextFix } from "../../../diagnosis/next-fix.js";
import type { RunbookId } from "../../../diagnosis/types.js";
import { endedOrStopped, waitsForPerson } from "../../../runs/run-status.js";
import { RunRefused } from "../../../runs/types.js";
import { renderDiagnosis } from "../../blocks/diagnosis.js";
import { renderHelp } from "../../blocks/help.js";
import { code, escapeText, person } from "../../blocks/mrkdwn.js";
import { renderRunsList } from "../../blocks/runs-list.js";
import { renderScan } from "../../blocks/scan.js";
import { renderTriage } from "../../blocks/triage.js";
import { mayDrive, type SlackDeps } from "../../deps.js";
import { parseCommand, type RegistryArg, type RunSubcommand } from "../../parse-command.js";
import { describeRefusal } from "../../refusals.js";
import { PostRefused } from "../../run-messages.js";
import { abortRun, NOT_ABORTABLE } from "../abort-run.js";
import { actOnRun, onlyDrivers } from "../act-on-run.js";

type Respond = (message: RespondArguments) => Promise<unknown>;

/** A resource id from another subscription than the one acr-cmk works in. */
class SubscriptionMismatch extends Error {
  override readonly name = "SubscriptionMismatch";
}

function ephemeral(text: string): RespondArguments {
  return { response_type: "ephemeral", text };
}

/** Azure errors the person can act on, in words; anything else is logged and summarised. */
function describeFailure(error: unknown, registry: RegistryArg): string {
  const name = `${registry.ref.resourceGroup}/${registry.ref.name}`;
  if (isAzureFailure(error, "not-found")) return `:mag: Registry ${code(name)} was not found.`;
  if (error instanceof RunRefused) return describeRefusal(error);
  if (error instanceof SubscriptionMismatch) return `:warning: ${escapeText(error.message)}`;
  if (isAzureFailure(error))
    return `:warning: Azure answered with an error for ${code(name)}: ${escapeText(error.message)}`;
  return `:warning: Something went wrong handling ${code(name)}; the app's log has the details.`;
}

async function diagnoseFor(deps: SlackDeps, registry: RegistryArg): Promise<DiagnosisReport> {
  const report = await deps.diagnose(registry.ref);
  const wanted = registry.subscriptionId?.toLowerCase();
  if (wanted && wanted !== report.registry.subscriptionId.toLowerCase()) {
    throw new SubscriptionMismatch(
      `The resource id names subscription ${registry.subscriptionId}, but acr-cmk works in ${report.registry.subscriptionId}.`,
    );
  }
  return report;
}

/** `recover` runs the runbook the diagnosis names; the others run their own. Undefined: nothing to run. */
function runbookFor(action: RunSubcommand, report: DiagnosisReport): RunbookId | undefined {
  if (action !== "recover") return action;
  return nextFix(report.findings)?.runbook ?? undefined;
}

export async function startRun(
  deps: SlackDeps,
  args: { action: RunSubcommand; registry: RegistryArg; user: string; channel: string },
  respond: Respond,
): Promise<void> {
  const { action, registry, user, channel } = args;
  const name = `${registry.ref.resourceGroup}/${registry.ref.name}`;
  const report = await diagnoseFor(deps, registry);
  const runbook = runbookFor(action, report);
  if (!runbook) {
    const problems = report.findings.filter((finding) => finding.severity !== "info");
    const message = renderDiagnosis(report, user);
    await respond({
      response_type: "in_channel",
      text:
        problems.length === 0
          ? `${name} is healthy: nothing to recover.`
          : `No runbook fixes what diagnose found on ${name}.`,
      blocks: message.blocks,
    });
    return;
  }
  // The message first: if the bot cannot post here, no run is started that nobody can see or approve.
  const ref = await deps.messages.postPlaceholder(
    channel,
    `${person(user)} asked for ${runbook} on ${escapeText(name)}: starting…`,
  );
  try {
    const view = await deps.engine.start({
      runbook,
      target: {
        subscriptionId: report.registry.subscriptionId,
        resourceGroup: registry.ref.resourceGroup,
        registry: registry.ref.name,
      },
      requester: user,
      driver: "slack",
      incident: incidentFor(report, runbook),
    });
    deps.log.info({ runId: view.id, runbook, user, registry: name }, "run started from Slack");
    await deps.messages.watch(view.id, ref);
    if (action === "recover") diagnoseAfterwards(deps, view.id, registry, runbook);
  } catch (error) {
    // The placeholder says why in the channel, where everyone looks; the requester needs no second copy.
    deps.log.warn({ registry: name, runbook, error: errorName(error) }, "run from Slack did not start");
    await deps.messages.replace(
      ref,
      `${person(user)} asked for ${runbook} on ${escapeText(name)}; it did not start. ${describeFailure(error, registry)}`,
    );
  }
}

/**
 * A recovery fixes one cause per run; when the run ends, the thread hears whether the registry is healthy now or what
 * the next `/acr-cmk recover` would run (several causes at once: a firewall switched on and an access policy removed).
 */
function diagnoseAfterwards(deps: SlackDeps, runId: string, registry: RegistryArg, ran: RunbookId): void {
  const name = escapeText(`${registry.ref.resourceGroup}/${registry.ref.name}`);
  const toldOf = new Set<string>();
  const stop = deps.engine.subscribe(runId, (view) => {
    if (!endedOrStopped(view.status)) return;
    const stopped = view.status === "failed";
    // Once at the end, and once per distinct stop at an error (RETRY may pass, or stop somewhere else).
    const key = stopped ? `failed:${view.error?.step ?? ""}:${view.error?.message ?? ""}` : "end";
    if (toldOf.has(key)) return;
    toldOf.add(key);
    if (!stopped) queueMicrotask(() => stop());
    void (async () => {
      try {
        const report = await diagnoseFor(deps, registry);
        const text = afterRunText(report, name, ran, stopped);
        if (text) await deps.messages.say(runId, text);
      } catch (error) {
        deps.log.warn({ runId, error: errorName(error) }, "diagnosis after the run failed");
      }
    })();
  });
}

/** What the thread hears after a recovery's run; undefined when a stopped run's own cause is still the next fix. */
function afterRunText(report: DiagnosisReport, name: string, ran: RunbookId, stopped: boolean): string | undefined {
  if (report.healthy) return `:white_check_mark: Diagnosis after the run: ${name} is healthy.`;
  // What `/acr-cmk recover` would run now: it starts from the diagnosis alone.
  const next = nextFix(report.findings);
  if (stopped) {
    if (!next?.runbook || next.runbook === ran) return undefined;
    return `Diagnosis now: *${escapeText(next.title)}* (${next.id}), which ${next.runbook} fixes. Abort this run (its changes stay), then \`/acr-cmk recover ${name}\` goes on with ${next.runbook}.`;
  }
  const critical = report.findings.filter((f) => f.severity === "critical");
  if (next?.runbook && critical.length > 0)
    return `Diagnosis after the run: *${escapeText(next.title)}* (${next.id}). \`/acr-cmk recover ${name}\` runs ${next.runbook} next.`;
  if (critical.length === 0) {
    const warnings = report.findings.filter((f) => f.severity === "warning").map((f) => f.id);
    return `Diagnosis after the run: nothing critical left on ${name}; warnings: ${warnings.join(", ")}. \`/acr-cmk diagnose ${name}\` shows what to plan.`;
  }
  return `Diagnosis after the run: ${name} still has problems that no runbook fixes: \`/acr-cmk diagnose ${name}\` shows them.`;
}

async function showStatus(deps: SlackDeps, runId: string | undefined): Promise<RespondArguments> {
  const id = runId ?? [...(await deps.engine.list())].sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0]?.id;
  const view = id ? await deps.engine.get(id) : undefined;
  if (!view) return ephemeral(runId ? `No run with id ${code(runId)}.` : "No runs yet.");
  const message = deps.messages.render(view);
  const ref = await deps.messages.refOf(view.id);
  // Buttons live only on the run's own message, so every click acts on one up-to-date picture.
  const blocks = message.blocks.filter((block) => block.type !== "actions");
  const where = ref
    ? `The run's live message with its buttons is in <#${ref.channel}>.`
    : "Act on it from its live message or `acr-cmk runs resume`.";
  return {
    response_type: "ephemeral",
    text: message.text,
    blocks: [...blocks, { type: "context", elements: [{ type: "mrkdwn", text: where }] }],
  };
}

/** `/acr-cmk abort <run-id> <reason>`: the same rules as the Abort button, answered through the response URL. */
async function abortFromCommand(
  deps: SlackDeps,
  args: { runId: string; reason: string; user: string },
  respond: Respond,
): Promise<void> {
  const { runId, reason, user } = args;
  const answer = async (text: string) => {
    await respond(ephemeral(text));
  };
  await actOnRun(deps, { runId, what: "abort the run", answer, source: "command" }, async () => {
    const view = await deps.engine.get(runId);
    if (!view) return answer(`No run with id ${code(runId)}.`);
    if (!waitsForPerson(view)) return answer(NOT_ABORTABLE);
    if (!mayDrive(deps, user, view.requester)) return answer(onlyDrivers("can abort it"));
    await abortRun(deps, runId, user, reason);
    await answer(`:octagonal_sign: Run ${code(runId)} aborted.`);
  });
}

export function acrCmkCommand(deps: SlackDeps): Middleware<SlackCommandMiddlewareArgs> {
  return async ({ command, ack, respond }) => {
    const parsed = parseCommand(command.text);
    if (!parsed.ok) {
      await ack({
        response_type: "ephemeral",
        ...renderHelp({ error: parsed.message, approvalTtlMs: deps.approvalTtlMs }),
      });
      return;
    }
    const cmd = parsed.command;
    switch (cmd.kind) {
      case "help":
        await ack({ response_type: "ephemeral", ...renderHelp({ approvalTtlMs: deps.approvalTtlMs }) });
        return;
      case "triage":
        // Pure and synchronous: the answer fits in the acknowledgement.
        await ack({ response_type: "ephemeral", ...renderTriage(deps.triage(cmd.text)) });
        return;
      // The store answers after the acknowledgement (an account far away, or retrying, must not miss Slack's 3 s).
      case "runs":
        await ack();
        await answerFromStore(deps, respond, async () => ({
          response_type: "ephemeral",
          ...renderRunsList(await deps.engine.list()),
        }));
        return;
      case "status":
        await ack();
        await answerFromStore(deps, respond, () => showStatus(deps, cmd.runId));
        return;
      case "abort":
        await ack(ephemeral(`:hourglass_flowing_sand: Aborting run ${code(cmd.runId)}…`));
        await deps.ackFirst.turn();
        await abortFromCommand(deps, { runId: cmd.runId, reason: cmd.reason, user: command.user_id }, respond);
        return;
      case "scan": {
        const scan = deps.scan;
        if (!scan) {
          await ack(ephemeral("`scan` is not available in this app."));
          return;
        }
        await ack(ephemeral(":mag: Scanning every CMK registry and container group…"));
        await deps.ackFirst.turn();
        try {
          await respond({ response_type: "in_channel", ...renderScan(await scan(), command.user_id) });
        } catch (error) {
          deps.log.warn({ error: errorName(error) }, "scan from Slack failed");
          const why = isAzureFailure(error) ? escapeText(error.message) : "the app's log has the details";
          await respond(ephemeral(`:warning: The scan failed: ${why}.`));
        }
        return;
      }
      case "diagnose": {
        const name = `${cmd.registry.ref.resourceGroup}/${cmd.registry.ref.name}`;
        await ack(ephemeral(`:mag: Diagnosing ${code(name)}…`));
        // Requests still arriving are acknowledged before this one's Azure calls take the CPU.
        await deps.ackFirst.turn();
        try {
          const report = await diagnoseFor(deps, cmd.registry);
          await respond({ response_type: "in_channel", ...renderDiagnosis(report, command.user_id) });
        } catch (error) {
          deps.log.warn({ registry: name, error: errorName(error) }, "diagnose from Slack failed");
          await respond(ephemeral(describeFailure(error, cmd.registry)));
        }
        return;
      }
      case "run": {
        const name = `${cmd.registry.ref.resourceGroup}/${cmd.registry.ref.name}`;
        await ack(
          ephemeral(
            `:hourglass_flowing_sand: ${cmd.action} ${code(name)}: diagnosing, then the run's message appears in this channel.`,
          ),
        );
        await deps.ackFirst.turn();
        try {
          await startRun(
            deps,
            { action: cmd.action, registry: cmd.registry, user: command.user_id, channel: command.channel_id },
            respond,
          );
        } catch (error) {
          deps.log.warn(
            { registry: name, action: cmd.action, error: errorName(error) },
            "run from Slack did not start",
          );
          await respond(
            ephemeral(
              error instanceof PostRefused
                ? `:warning: ${escapeText(error.message)}`
                : describeFailure(error, cmd.registry),
            ),
          );
        }
        return;
      }
    }
  };
}

async function answerFromStore(deps: SlackDeps, respond: Respond, work: () => Promise<RespondArguments>) {
  try {
    await respond(await work());
  } catch (error) {
    deps.log.warn({ error: errorName(error) }, "could not read the runs");
    const why = isAzureFailure(error) ? escapeText(error.message) : "the app's log has the details";
    await respond(ephemeral(`:warning: Could not read the runs: ${why}.`));
  }
}

/** Logged instead of the error itself: messages from Slack or Azure can quote request details. */
function errorName(error: unknown): string {
  if (error instanceof RunRefused) return `RunRefused:${error.reason}`;
  if (isAzureFailure(error)) return `AzureFailure:${error.kind}`;
  return error instanceof Error ? error.name : typeof error;
}
