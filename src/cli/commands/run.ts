// `acr-cmk run <runbook>`, `recover` (diagnose, then the runbook the diagnosis names) and the `rotate` / `revoke` /
// `restore` shortcuts: a guided run in the TUI on a terminal, the plain step log otherwise; `--dry-run` prints the plan.
import { userInfo } from "node:os";
import { z } from "zod";
import { parseKeyId } from "../../azure/ids.js";
import { isAzureFailure, type CmkAzure, type RegistryRef } from "../../azure/types.js";
import type { DiagnosisReport } from "../../diagnosis/diagnose.js";
import { nextFix } from "../../diagnosis/next-fix.js";
import type { RunbookId } from "../../diagnosis/types.js";
import { RUNBOOK_IDS, type ShortcutRunbookId } from "../../runbooks/catalogue.js";
import type { RunbookDefinition } from "../../machines/protocol.js";
import { getRunbook, RUNBOOKS } from "../../machines/index.js";
import { AzureResponseRecorder } from "../../runs/azure-calls.js";
import { createRunEngine } from "../../runs/engine.js";
import { planSteps, targetPlaceholders } from "../../runs/plan.js";
import { RunRefused, type RunEngine, type RunTarget, type RunView, type SharedRuns } from "../../runs/types.js";
import { printJson, type CliContext } from "../context.js";
import { EXIT, UsageError } from "../errors.js";
import { drivePlain, exitCodeForRun, printRunEnd } from "../plain-driver.js";
import type { CommandRunner } from "../program.js";
import { parseTarget } from "./diagnose.js";
import { approvalTtlMs } from "../env.js";
import { commandTiming } from "../sandbox-timing.js";

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
  method: z
    .enum(["access-policy", "role-assignment", "disable-key"], {
      error: "--method must be access-policy, role-assignment or disable-key",
    })
    .optional(),
});

type RunOptions = z.infer<typeof runOptionsSchema>;

const envSchema = z.object({
  ACR_CMK_APPROVERS: z.string().optional(),
  ACR_CMK_POLL_INTERVAL_MS: z.coerce.number().int().min(1).max(3_600_000).optional(),
  ACR_CMK_APPROVAL_TTL_MS: approvalTtlMs,
});

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

export function invocationOf(ctx: CliContext): string {
  return ctx.globals.sandbox ? `acr-cmk --sandbox ${ctx.globals.sandbox}` : "acr-cmk";
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

async function diagnose(ctx: CliContext, azure: CmkAzure, ref: RegistryRef): Promise<DiagnosisReport> {
  const { diagnoseRegistry } = await import("../../diagnosis/diagnose.js");
  const timing = await commandTiming(ctx);
  try {
    return await diagnoseRegistry(azure, ref, { invocation: invocationOf(ctx), ...timing });
  } catch (error) {
    if (isAzureFailure(error, "not-found")) {
      throw new UsageError(
        `registry '${ref.name}' not found in resource group '${ref.resourceGroup}' (subscription ${azure.subscriptionId})`,
      );
    }
    throw error;
  }
}

/** Placeholders the diagnosis already knows (vault, key), so the dry-run plan shows runnable commands. */
/** Placeholder values a diagnosis already read: the vault, key and identity the registry's encryption names. */
function knownValues(report: DiagnosisReport | undefined): Record<string, string> {
  const kid = report?.registry.encryption.keyIdentifier;
  if (!kid) return {};
  try {
    const key = parseKeyId(kid);
    const values: Record<string, string | undefined> = {
      "vault-name": key.vaultName,
      "key-name": key.name,
      "key-version": key.version,
      "key-id": key.id,
      identity: report.registry.encryption.identity ?? undefined,
    };
    return Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string] => !!entry[1]));
  } catch {
    return {};
  }
}

async function printDryRun(
  ctx: CliContext,
  definition: RunbookDefinition,
  ref: RegistryRef,
  target: RunTarget,
  azure: CmkAzure,
): Promise<number> {
  let report: DiagnosisReport | undefined;
  let diagnosisError: string | undefined;
  try {
    report = await diagnose(ctx, azure, ref);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    diagnosisError = error instanceof Error ? error.message : String(error);
  }
  const steps = planSteps(definition, targetPlaceholders(target, knownValues(report)));
  if (ctx.globals.output === "json") {
    printJson(ctx, {
      runbook: definition.id,
      target,
      dryRun: true,
      steps,
      diagnosis: report ?? null,
      diagnosisError: diagnosisError ?? null,
    });
    return EXIT.ok;
  }
  const out = (line: string) => ctx.stdout.write(`${line}\n`);
  out(
    `Dry run of ${definition.id} (${definition.title}) on ${target.resourceGroup}/${target.registry}: nothing will be changed.`,
  );
  if (report) {
    out(
      report.healthy
        ? "Diagnosis: healthy."
        : `Diagnosis: ${report.findings.filter((f) => f.severity !== "info").length} problem(s).`,
    );
    for (const finding of report.findings) out(`  ${finding.severity}: ${finding.id} ${finding.title}`);
  } else {
    out(`Diagnosis failed (the plan below is still accurate): ${diagnosisError}`);
  }
  steps.forEach((step, index) => {
    const flags = [
      step.kind,
      step.risk !== "none" ? `risk ${step.risk}` : "",
      step.irreversible ? "irreversible" : "",
    ].filter(Boolean);
    out(`${String(index + 1).padStart(2)}. ${step.title} [${flags.join(", ")}]`);
    if (step.az) out(`      az: ${step.az}`);
  });
  return EXIT.ok;
}

/** Drives a started or resumed run to its next stop: the TUI on a terminal, the plain log otherwise. */
export async function driveRun(
  ctx: CliContext,
  engine: RunEngine,
  runId: string,
  by: string,
  options: { yes: boolean; answers: string[] },
): Promise<number> {
  const view = engine.get(runId);
  if (!view) throw new UsageError(`no run with id ${runId}`);
  if (inTerminal(ctx)) {
    // Ink and React load only when a person sits at a terminal.
    const { runInTui } = await import("./tui.js");
    return runInTui(ctx, engine, runId, by);
  }
  const last = await drivePlainRun(ctx, engine, runId, by, options);
  if (ctx.globals.output === "json") printJson(ctx, { run: last, audit: engine.auditTrail(runId) });
  return exitCodeForRun(last);
}

/** The plain step log of one run up to its next stop, with its closing lines in text mode. */
async function drivePlainRun(
  ctx: CliContext,
  engine: RunEngine,
  runId: string,
  by: string,
  options: { yes: boolean; answers: string[] },
): Promise<RunView> {
  const json = ctx.globals.output === "json";
  const view = engine.get(runId);
  const last = await drivePlain({
    engine,
    runId,
    // JSON mode prints exactly one document: the step log goes to stderr.
    out: json ? ctx.stderr : ctx.stdout,
    by,
    yes: options.yes,
    registry: view?.target.registry ?? "",
    answers: options.answers,
    invocation: invocationOf(ctx),
  });
  if (!json) printRunEnd(ctx.stdout, last, invocationOf(ctx));
  return last;
}

/** The TUI drives runs when a person sits at a terminal and wants text; everything else gets the plain step log. */
function inTerminal(ctx: CliContext): boolean {
  return ctx.globals.output === "text" && Boolean(ctx.stdout.isTTY) && Boolean(ctx.stdin.isTTY);
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
    });
    return await driveRun(ctx, engine, started.id, requester, run);
  } catch (error) {
    return reportRefusal(ctx, error);
  } finally {
    await engine.close();
  }
}

/** Enough for every pairing of causes the runbooks fix; a loop that would go on longer is not converging. */
const MAX_RECOVERY_ROUNDS = 4;

/**
 * `recover` without a terminal: run the runbook the diagnosis names, diagnose again, and go on while a critical finding
 * names a runbook not yet run here (several causes at once: a firewall switched on and an access policy removed).
 * Only critical findings carry it on: a recovery never starts a rotation for a key that merely expires soon.
 */
async function recoverInRounds(
  ctx: CliContext,
  engine: RunEngine,
  ref: RegistryRef,
  target: RunTarget,
  azure: CmkAzure,
  first: DiagnosisReport,
  firstRunbook: RunbookId,
  run: { requester: string; yes: boolean; answers: string[] },
): Promise<number> {
  const text = ctx.globals.output === "text";
  const done = new Set<RunbookId>();
  const runs: RunView[] = [];
  let report = first;
  let id: RunbookId | undefined = firstRunbook;
  // Whatever stops the rounds (a refusal, an Azure failure while diagnosing), what already ran is reported.
  try {
    while (id) {
      const started = await engine.start({
        runbook: id,
        target,
        requester: run.requester,
        driver: "cli",
        selfApprove: run.yes,
        hints: knownValues(report),
      });
      const last = await drivePlainRun(ctx, engine, started.id, run.requester, run);
      runs.push(last);
      done.add(id);
      // A run that waits for a person, or ended without fixing anything it could (rejected, aborted, unrecoverable),
      // is where recovery stops. A run that succeeded, escalated or stopped at an error may have met another cause.
      if (!["succeeded", "escalated", "failed"].includes(last.status)) break;
      report = await diagnose(ctx, azure, ref);
      const next = nextFix(report.findings, done);
      id = next?.runbook ?? undefined;
      if (!next?.runbook || runs.length >= MAX_RECOVERY_ROUNDS) break;
      if (last.status === "failed") {
        // Go on only when the failed run's own cause is gone (it stopped at another cause, such as the firewall);
        // while the diagnosis still names its runbook first, the run stays as it is, resumable.
        if (last.error?.cause === "internal" || nextFix(report.findings)?.runbook === last.runbook) break;
        // Its changes stay; stopping it frees the registry for the runbook the new diagnosis names.
        runs[runs.length - 1] = await engine.abort(
          last.id,
          run.requester,
          `recover moves on: ${next.id} needs ${next.runbook} first`,
        );
      }
      if (text) {
        ctx.stdout.write(
          `\nDiagnosis after run ${last.id}: ${next.id} (${next.title}) → runbook ${next.runbook}` +
            `${last.status === "failed" ? ` (run ${last.id} stopped: recover goes on with ${next.runbook})` : ""}\n`,
        );
      }
    }
  } finally {
    if (runs.length > 0 && !text) printRecovery(ctx, engine, runs, report);
  }
  const last = runs[runs.length - 1]!;
  const healthy = report !== first || runs.length > 1 ? report.healthy : undefined;
  if (text && runs.length > 1) {
    ctx.stdout.write(
      `\nRecover ran ${runs.map((r) => `${r.runbook} (${r.status})`).join(", ")}.` +
        `${healthy === true ? ` ${target.resourceGroup}/${target.registry} is healthy.` : ""}\n`,
    );
  }
  if (text && healthy === false) {
    const left = report.findings.filter((f) => f.severity === "critical");
    if (left.length > 0) ctx.stdout.write(`Still wrong with ${target.registry}:\n`);
    for (const f of left) ctx.stdout.write(`  ${f.id} ${f.title}${f.runbook ? ` (runbook ${f.runbook})` : ""}\n`);
  }
  // Healthy at the end is success, whatever an earlier round said; otherwise the last run decides.
  return healthy === true ? EXIT.ok : exitCodeForRun(last);
}

/** The one JSON document of a recovery: the last run as `run` (as for one run), every run with its audit trail. */
function printRecovery(ctx: CliContext, engine: RunEngine, runs: RunView[], report: DiagnosisReport): void {
  const last = runs[runs.length - 1]!;
  printJson(ctx, {
    run: last,
    audit: engine.auditTrail(last.id),
    runs: runs.map((r) => ({ id: r.id, runbook: r.runbook, status: r.status, audit: engine.auditTrail(r.id) })),
    diagnosis: report,
  });
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
