// `acr-cmk run <runbook>`, `recover` (diagnose, then the runbook the diagnosis names) and the `rotate` / `revoke` /
// `restore` shortcuts: a guided run in the TUI on a terminal, the plain step log otherwise; `--dry-run` prints the plan.
import { userInfo } from "node:os";
import { z } from "zod";
import type { CmkAzure, RegistryRef } from "../../azure/types.js";
import type { DiagnosisReport } from "../../diagnosis/diagnose.js";
import { nextFix } from "../../diagnosis/next-fix.js";
import type { RunbookId } from "../../diagnosis/types.js";
import { RUNBOOK_IDS, type ShortcutRunbookId } from "../../runbooks/catalogue.js";
import { getRunbook, RUNBOOKS } from "../../machines/index.js";
import { AzureResponseRecorder } from "../../runs/azure-calls.js";
import { createRunEngine } from "../../runs/engine.js";
import { RunRefused, type RunEngine, type RunTarget, type SharedRuns } from "../../runs/types.js";
import { printJson, type CliContext } from "../context.js";
import { EXIT, UsageError } from "../errors.js";
import type { CommandRunner } from "../program.js";
import { parseTarget } from "./diagnose.js";
import { approvalTtlMs } from "../env.js";
import { commandTiming } from "../sandbox-timing.js";
import { recoverInRounds } from "./recover-rounds.js";
import { diagnose, knownValues, printDryRun } from "./run-diagnosis.js";
import { driveRun, inTerminal } from "./run-drive.js";

export { driveRun, invocationOf } from "./run-drive.js";

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

const envSchema = z.object({
  ACR_CMK_APPROVERS: z.string().optional(),
  ACR_CMK_POLL_INTERVAL_MS: z.coerce.number().int().min(1).max(3_600_000).optional(),
  ACR_CMK_APPROVAL_TTL_MS: approvalTtlMs,
  // A blob lease lasts 15 to 60 s (https://learn.microsoft.com/rest/api/storageservices/lease-blob); SQLite's lock too.
  ACR_CMK_LOCK_TTL_MS: z.coerce
    .number({ error: "ACR_CMK_LOCK_TTL_MS must be a number of milliseconds" })
    .int("ACR_CMK_LOCK_TTL_MS must be a whole number of milliseconds")
    .min(15_000, "ACR_CMK_LOCK_TTL_MS must be at least 15000 (15 seconds)")
    .max(60_000, "ACR_CMK_LOCK_TTL_MS must be at most 60000 (60 seconds)")
    .optional(),
});

/** With a shared store a dead replica's lock lapses in 30 s, so another replica takes its runs over within 60 s. */
const SHARED_LOCK_TTL_MS = 30_000;

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

/** The local user: who starts, approves and chooses in a terminal. */
export function localUser(ctx: CliContext, requester?: string): string {
  if (requester) return requester;
  try {
    return userInfo().username || ctx.env.USER || "local-user";
  } catch {
    return ctx.env.USER ?? "local-user";
  }
}

export async function openEngine(ctx: CliContext, azure?: CmkAzure): Promise<RunEngine & SharedRuns> {
  const env = envSchema.safeParse(ctx.env);
  if (!env.success) {
    const name = (i: { path: PropertyKey[] }) => i.path.map(String).join(".");
    // Messages that already name the variable are shown as they are.
    throw new UsageError(
      env.error.issues.map((i) => (i.message.startsWith(name(i)) ? i.message : `${name(i)}: ${i.message}`)).join("; "),
    );
  }
  const approvers = (env.data.ACR_CMK_APPROVERS ?? "")
    .split(",")
    .map((id) => id.trim())
    .filter(Boolean);
  // Every audited write carries its Azure request id: the port reports responses, the recorder ties them to the write.
  const responses = new AzureResponseRecorder();
  ctx.onAzureResponse?.(responses.onResponse);
  const timing = await commandTiming(ctx);
  return createRunEngine({
    home: ctx.globals.home,
    store: ctx.env.ACR_CMK_STORE,
    azure: azure ?? (await ctx.azure()),
    runbooks: RUNBOOKS,
    responses,
    approvers,
    actorOptions: timing,
    // The sandbox picks rotations up in seconds; Azure within the hour.
    pollIntervalMs: env.data.ACR_CMK_POLL_INTERVAL_MS ?? (ctx.globals.sandbox ? 1000 : 30_000),
    ...(env.data.ACR_CMK_APPROVAL_TTL_MS ? { approvalTtlMs: env.data.ACR_CMK_APPROVAL_TTL_MS } : {}),
    ...(env.data.ACR_CMK_LOCK_TTL_MS || ctx.env.ACR_CMK_STORE?.trim()
      ? { lockTtlMs: env.data.ACR_CMK_LOCK_TTL_MS ?? SHARED_LOCK_TTL_MS }
      : {}),
  });
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
  if (parsed.subscriptionId && !ctx.globals.sandbox && !ctx.globals.subscription)
    ctx.globals.subscription = parsed.subscriptionId;
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
  checkMethod(ctx, runbook, options);
  const { ref, target, azure } = await targetOf(ctx, rawOptions);
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
      else if (problems.length === 0)
        ctx.stdout.write(`${target.resourceGroup}/${target.registry} is healthy: nothing to recover.\n`);
      else {
        ctx.stdout.write(`No runbook fixes what diagnose found on ${target.registry}:\n`);
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

  const engine = await openEngine(ctx, azure);
  try {
    const run = { requester, yes: Boolean(options.yes), answers: options.method ? [options.method] : [] };
    if (report && !inTerminal(ctx)) return await recoverInRounds(ctx, engine, ref, target, azure, report, id, run);
    const started = await engine.start({
      runbook: id,
      target,
      requester,
      driver: "cli",
      selfApprove: run.yes,
      hints,
      presetChoices: run.answers,
    });
    return await driveRun(ctx, engine, started.id, requester, run);
  } catch (error) {
    return reportRefusal(ctx, error);
  } finally {
    await engine.close();
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
