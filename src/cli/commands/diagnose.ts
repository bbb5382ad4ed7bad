// `acr-cmk diagnose -g <rg> -r <registry>` (or `--id <resource id>`): probe the registry's CMK setup, print the
// findings (text, or one JSON document with --output json), exit 0 healthy / 1 problems found / 2 bad input / 3 Azure failure.
import { z } from "zod";
import { assertRegistryName, assertResourceGroup, parseRegistryId } from "../../azure/ids.js";
import { isAzureFailure, type RegistryRef } from "../../azure/types.js";
import { diagnoseRegistry } from "../../diagnosis/diagnose.js";
import { renderReportText } from "../../diagnosis/report-text.js";
import { DurationError, parseDuration } from "../../sandbox/duration.js";
import { printJson } from "../context.js";
import { EXIT, UsageError } from "../errors.js";
import type { CommandRunner } from "../program.js";
import { commandTiming } from "../sandbox-timing.js";
import { invocationOf } from "../wiring.js";

const optionsSchema = z
  .object({
    resourceGroup: z.string().trim().min(1, "-g/--resource-group must not be empty").optional(),
    registry: z.string().trim().min(1, "-r/--registry must not be empty").optional(),
    id: z.string().trim().min(1, "--id must not be empty").optional(),
  })
  .refine((o) => !(o.id && (o.resourceGroup || o.registry)), "use either --id or -g/-r, not both")
  .refine(
    (o) => o.id || (o.resourceGroup && o.registry),
    "name the registry: -g <resource-group> -r <registry>, or --id <registry resource id>",
  );

interface Target {
  ref: RegistryRef;
  /** From --id: the subscription the registry lives in. */
  subscriptionId?: string;
}

export function parseTarget(options: Record<string, unknown>): Target {
  const parsed = optionsSchema.safeParse({
    resourceGroup: options.resourceGroup,
    registry: options.registry,
    id: options.id,
  });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join("; "));
  const { id, resourceGroup, registry } = parsed.data;
  if (id) {
    const { subscriptionId, resourceGroup: group, name } = parseRegistryId(id);
    return { ref: { resourceGroup: group, name }, subscriptionId };
  }
  return { ref: { resourceGroup: assertResourceGroup(resourceGroup ?? ""), name: assertRegistryName(registry ?? "") } };
}

/** `--since 24h`: how far back the timeline looks. */
function sinceOf(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new UsageError("--since takes a duration such as 24h, 2d or 90m");
  try {
    return parseDuration(value);
  } catch (error) {
    if (error instanceof DurationError) throw new UsageError(`--since: ${error.message}`);
    throw error;
  }
}

export const diagnoseCommand: CommandRunner = async (ctx, options) => {
  const target = parseTarget(options);
  const sinceMs = sinceOf(options.since);
  // A resource id names its subscription: use it when none was given (the port is built lazily, after this).
  if (target.subscriptionId && !ctx.globals.sandbox && !ctx.globals.subscription) {
    ctx.globals.subscription = target.subscriptionId;
  }
  const azure = await ctx.azure();
  if (target.subscriptionId && target.subscriptionId.toLowerCase() !== azure.subscriptionId.toLowerCase()) {
    throw new UsageError(
      `the registry id is in subscription ${target.subscriptionId}, but acr-cmk is using subscription ${azure.subscriptionId}` +
        (ctx.globals.sandbox ? " (the sandbox's)" : `; pass --subscription ${target.subscriptionId}`),
    );
  }
  const timing = await commandTiming(ctx);

  let report;
  try {
    report = await diagnoseRegistry(azure, target.ref, {
      invocation: invocationOf(ctx),
      ...timing,
      timeline: sinceMs === undefined ? {} : { sinceMs },
      onLookAgain: (why) => ctx.stderr.write(`looking again …: ${why}\n`),
    });
  } catch (error) {
    // Only the registry read can end in not-found (every later read is evidence): the registry is not there.
    if (isAzureFailure(error, "not-found")) {
      throw new UsageError(
        `registry '${target.ref.name}' not found in resource group '${target.ref.resourceGroup}' (subscription ${azure.subscriptionId})`,
      );
    }
    throw error;
  }

  if (ctx.globals.output === "json") {
    printJson(ctx, report);
  } else {
    ctx.stdout.write(
      renderReportText(report, {
        color: ctx.globals.color && Boolean(ctx.stdout.isTTY),
        width: ctx.stdout.columns ?? 100,
      }),
    );
    if (ctx.globals.verbose) {
      for (const t of report.stats.trace)
        ctx.stderr.write(`  wave ${t.wave}  ${t.call}  ${t.ms} ms${t.ok ? "" : "  (failed)"}\n`);
    }
  }
  return report.healthy ? EXIT.ok : EXIT.problems;
};
