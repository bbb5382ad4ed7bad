// `acr-cmk run <runbook>`, `recover` (diagnose, then the runbook the diagnosis names) and the `rotate` / `revoke` /
// `restore` shortcuts: a guided run in the TUI on a terminal, the plain step log otherwise; `--dry-run` prints the plan.
import { z } from "zod";
import { isContainerGroupId } from "../../azure/ids.js";
import type { CmkAzure, RegistryRef } from "../../azure/types.js";
import { incidentFor } from "../../diagnosis/timeline/incident.js";
import type { DiagnosisReport } from "../../diagnosis/diagnose.js";
import { nextFix } from "../../diagnosis/next-fix.js";
import type { RunbookId } from "../../diagnosis/types.js";
import { RUNBOOK_IDS, type ShortcutRunbookId } from "../../runbooks/catalogue.js";
import { getRunbook } from "../../machines/index.js";
import { registryKey } from "../../runs/registry-lock.js";
import { openRunRecords } from "../../runs/run-records.js";
import { RunRefused, type RunSummary, type RunTarget } from "../../runs/types.js";
import { printJson, type CliContext } from "../context.js";
import { EXIT, UsageError } from "../errors.js";
import type { CommandRunner } from "../program.js";
import { parseTarget } from "./diagnose.js";
import { invocationOf, localUser, openEngine } from "../wiring.js";
import { recoverInRounds } from "./recover-rounds.js";
import { diagnose, incidentDiagnosis, knownValues, printDryRun } from "./run-diagnosis.js";
import { driveRun, inTerminal } from "./run-drive.js";
import { parseConfirmAffected } from "../confirm-affected.js";
import { targetName, targetPath } from "../../machines/target.js";

export { driveRun } from "./run-drive.js";

/** `--method`: how revoke removes access (its one choice), on `revoke` and on `runs resume`. */
export const revokeMethod = z
  .enum(["access-policy", "role-assignment", "disable-key"], {
    error: "--method must be access-policy, role-assignment or disable-key",
  })
  .optional();

const runOptionsSchema = z.object({
  yes: z.boolean().optional(),
  dryRun: z.boolean().optional(),
  requester: z
    .string()
    .trim()
    .min(1, "--requester must not be empty")
    .max(128, "--requester is longer than 128 characters")
    .regex(/^[^\p{Cc}]+$/u, "--requester must not contain control characters")
    .optional(),
  method: revokeMethod,
});

type RunOptions = z.infer<typeof runOptionsSchema>;

function parseRunOptions(options: Record<string, unknown>): RunOptions {
  const parsed = runOptionsSchema.safeParse({
    yes: options.yes,
    dryRun: options.dryRun,
    requester: options.requester,
    method: options.method,
  });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => issue.message).join("; "));
  return parsed.data;
}

/** Maps refusals to what the user can act on: unknown run or bad choice is bad input, the rest is "not done". */
export function reportRefusal(ctx: CliContext, error: unknown): number {
  if (!(error instanceof RunRefused)) throw error;
  if (
    error.reason === "unknown-run" ||
    error.reason === "invalid-input" ||
    error.reason === "wrong-subscription" ||
    error.reason === "wrong-place"
  )
    throw new UsageError(error.message);
  ctx.stderr.write(`${error.message}\n`);
  return EXIT.problems;
}

async function targetOf(
  ctx: CliContext,
  options: Record<string, unknown>,
): Promise<{ ref: RegistryRef; target: RunTarget; azure: CmkAzure }> {
  const parsed = parseTarget(options);
  // A resource id names its subscription: the run acts there (in Azure, or in that subscription of a fleet sandbox).
  if (parsed.subscriptionId && !ctx.globals.subscription) ctx.globals.subscription = parsed.subscriptionId;
  const azure = await ctx.azure();
  if (parsed.subscriptionId && parsed.subscriptionId.toLowerCase() !== azure.subscriptionId.toLowerCase()) {
    throw new UsageError(
      `the registry id is in subscription ${parsed.subscriptionId}, but acr-cmk is using ${azure.subscriptionId}`,
    );
  }
  return {
    ref: parsed.ref,
    target: {
      subscriptionId: azure.subscriptionId,
      resourceGroup: parsed.ref.resourceGroup,
      registry: parsed.ref.name,
    },
    azure,
  };
}

/**
 * `--method` answers revoke's one choice. Without a terminal nobody could answer it later, and the run would hold the
 * registry until its lock expires: ask for it up front, before anything starts.
 */
function checkMethod(ctx: CliContext, runbook: RunbookId | "recover", options: RunOptions): void {
  if (options.method && runbook !== "revoke") {
    throw new UsageError(`--method chooses how revoke removes access; ${runbook} has no such choice`);
  }
  if (runbook === "revoke" && !options.method && !options.dryRun && !inTerminal(ctx)) {
    throw new UsageError(
      "revoke without a terminal needs --method: access-policy (vaults with access policies), role-assignment " +
        "(vaults with Azure RBAC) or disable-key (either; it cuts off every user of the key)",
    );
  }
}

async function runRunbook(
  ctx: CliContext,
  runbook: RunbookId | "recover",
  rawOptions: Record<string, unknown>,
): Promise<number> {
  const options = parseRunOptions(rawOptions);
  const confirmAffected = parseConfirmAffected(rawOptions.confirmAffected, Boolean(options.yes));
  checkMethod(ctx, runbook, options);
  if (typeof rawOptions.id === "string" && isContainerGroupId(rawOptions.id)) {
    if (rawOptions.resourceGroup || rawOptions.registry) throw new UsageError("use either --id or -g/-r, not both");
    const { runForContainerGroup } = await import("./run-container-group.js");
    const groupOptions = { ...options, ...(confirmAffected !== undefined ? { confirmAffected } : {}) };
    return runForContainerGroup(ctx, runbook, groupOptions, rawOptions.id, nameStoppedRuns, reportRefusal);
  }
  const { ref, target, azure } = await targetOf(ctx, rawOptions);
  if (!options.dryRun) await nameStoppedRuns(ctx, target);
  const requester = localUser(ctx, options.requester);
  let id: RunbookId;
  let hints: Record<string, string> = {};
  let report: DiagnosisReport | undefined;
  if (runbook === "recover") {
    report = await diagnose(ctx, azure, ref);
    hints = knownValues(report);
    const named = nextFix(report.findings);
    if (!named?.runbook) {
      const problems = report.findings.filter((f) => f.severity !== "info");
      if (ctx.globals.output === "json") printJson(ctx, { diagnosis: report, runbook: null });
      else if (problems.length === 0) ctx.stdout.write(`${targetPath(target)} is healthy: nothing to recover.\n`);
      else {
        ctx.stdout.write(`No runbook fixes what diagnose found on ${targetName(target)}:\n`);
        for (const f of problems) ctx.stdout.write(`  ${f.severity}: ${f.id} ${f.title}\n    ${f.detail}\n`);
      }
      return problems.length === 0 ? EXIT.ok : EXIT.problems;
    }
    if (ctx.globals.output === "text")
      ctx.stdout.write(`Diagnosis: ${named.id} (${named.title}) → runbook ${named.runbook}\n`);
    id = named.runbook;
  } else {
    id = runbook;
  }

  const definition = getRunbook(id);
  if (!definition) throw new UsageError(`runbook ${id} is not available`);
  if (options.dryRun) return printDryRun(ctx, definition, ref, target, azure);
  // A named runbook keeps the diagnosis of its target as its incident, as recover's runs do.
  const diagnosed = report ?? (await incidentDiagnosis(ctx, azure, ref));

  const engine = await openEngine(ctx, azure);
  try {
    const run = {
      requester,
      yes: Boolean(options.yes),
      ...(confirmAffected !== undefined ? { confirmAffected } : {}),
      answers: options.method ? [options.method] : [],
    };
    if (report && !inTerminal(ctx)) return await recoverInRounds(ctx, engine, ref, target, azure, report, id, run);
    const started = await engine.start({
      runbook: id,
      target,
      requester,
      driver: "cli",
      selfApprove: run.yes,
      hints,
      presetChoices: run.answers,
      ...(diagnosed ? { incident: incidentFor(diagnosed, id) } : {}),
    });
    return await driveRun(ctx, engine, started.id, requester, run);
  } catch (error) {
    return reportRefusal(ctx, error);
  } finally {
    await engine.close();
  }
}

/** Runs on this registry that were interrupted and never resumed: a new run starts beside them, so say they exist. */
async function nameStoppedRuns(ctx: CliContext, target: RunTarget): Promise<void> {
  const records = openRunRecords(ctx.globals.home);
  let runs: RunSummary[];
  try {
    runs = await records.list();
  } finally {
    records.close();
  }
  for (const run of runs.filter((r) => r.status === "stopped" && registryKey(r.target) === registryKey(target))) {
    ctx.stderr.write(
      `Run ${run.id} (${run.runbook}, requested by ${run.requester}) on ${targetName(target)} was interrupted and is ` +
        `still resumable: ${invocationOf(ctx)} runs resume ${run.id} (or runs abort ${run.id} --reason <why>). ` +
        `A new run does not continue it.\n`,
    );
  }
}

export const runCommand: CommandRunner = async (ctx, options, runbook) => {
  const parsed = z.enum(RUNBOOK_IDS as [RunbookId, ...RunbookId[]]).safeParse(runbook);
  if (!parsed.success)
    throw new UsageError(`unknown runbook '${runbook ?? ""}'; choose one of: ${RUNBOOK_IDS.join(", ")}`);
  return runRunbook(ctx, parsed.data, options);
};

export const recoverCommand: CommandRunner = (ctx, options) => runRunbook(ctx, "recover", options);

export function runbookShortcut(id: ShortcutRunbookId): CommandRunner {
  return (ctx, options) => runRunbook(ctx, id, options);
}
