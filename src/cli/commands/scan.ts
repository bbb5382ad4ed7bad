// `acr-cmk scan [--subscription <id>]... [--all-subscriptions]`: every CMK registry and container group at once.
// Exit 0 all healthy, 1 something unhealthy (or a subscription could not be read), 2 bad usage, 3 nothing readable.
import { isGuid } from "../../azure/ids.js";
import { scanFleet, type ScanReport } from "../../diagnosis/fleet/scan.js";
import { renderScanText } from "../../diagnosis/fleet/scan-text.js";
import { printJson, type CliContext } from "../context.js";
import { EXIT, UsageError } from "../errors.js";
import type { CommandRunner } from "../program.js";
import { commandTiming } from "../sandbox-timing.js";
import { AdaptiveLimiter } from "../../diagnosis/fleet/limiter.js";

/** Which subscriptions: those named, all with --all-subscriptions; else AZURE_SUBSCRIPTION_ID, or all when unset. */
function wanted(ctx: CliContext, all: boolean): string[] {
  const named = ctx.globals.subscriptions ?? [];
  if (all && named.length > 0) throw new UsageError("give --subscription <id> or --all-subscriptions, not both");
  for (const id of named) {
    if (!isGuid(id.trim())) throw new UsageError(`invalid subscription '${id}': expected a subscription id (a GUID)`);
  }
  if (named.length > 0 || all) return named.map((id) => id.trim());
  // In the sandbox a fleet spans its subscriptions: scanning one of them by default would hide the rest.
  if (ctx.globals.sandbox) return [];
  const fromEnv = ctx.env.AZURE_SUBSCRIPTION_ID?.trim();
  return fromEnv ? [fromEnv] : [];
}

export function scanExitCode(report: ScanReport): number {
  const readable = report.subscriptions.some((s) => s.readable);
  if (!readable) return EXIT.azure;
  const problems = report.resources.some((r) => !r.healthy) || report.subscriptions.some((s) => !s.readable);
  return problems ? EXIT.problems : EXIT.ok;
}

export const scanCommand: CommandRunner = async (ctx, options) => {
  const subscriptions = wanted(ctx, options.allSubscriptions === true);
  const limiter = new AdaptiveLimiter();
  const { createFleetAzureForCli } = await import("../fleet-azure.js");
  const fleet = await createFleetAzureForCli(ctx.globals, ctx.env, { gate: limiter });
  const timing = await commandTiming(ctx);
  const invocation = ctx.globals.sandbox ? `acr-cmk --sandbox ${ctx.globals.sandbox}` : "acr-cmk";
  const report = await scanFleet(fleet, { subscriptions, limiter, invocation, ...timing });
  if (ctx.globals.output === "json") {
    printJson(ctx, {
      resources: report.resources.map((r) => ({
        id: r.id,
        type: r.type,
        keyId: r.keyId,
        keyVersion: r.keyVersion,
        healthy: r.healthy,
        findings: r.findings.map((f) => f.id),
        runbook: r.runbook,
      })),
      keys: report.keys,
      subscriptions: report.subscriptions,
      stats: report.stats,
    });
  } else {
    ctx.stdout.write(renderScanText(report, invocation));
  }
  const code = scanExitCode(report);
  if (code === EXIT.azure) {
    const why = report.subscriptions.map((s) => `${s.subscriptionId} (${s.reason ?? "?"})`).join(", ");
    ctx.stderr.write(`acr-cmk: no subscription could be read: ${why || "the signed-in identity sees none"}\n`);
  }
  return code;
};
