// `acr-cmk runs list | show <run-id> | resume <run-id> [--yes] | abort <run-id> --reason <text>`.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { abortOrphanedRun } from "../../runs/orphaned-run.js";
import { openRunRecords } from "../../runs/run-records.js";
import { describePlace, invocationIn } from "../../runs/run-place.js";
import type { AuditEntry, RunPlace, RunView } from "../../runs/types.js";
import { printJson, type CliContext } from "../context.js";
import { EXIT, UsageError } from "../errors.js";
import type { CommandRunner } from "../program.js";
import { driveRun, reportRefusal, revokeMethod } from "./run.js";
import { parseConfirmAffected } from "../confirm-affected.js";
import { invocationOf, localUser, openEngine } from "../wiring.js";
import { undoOrder } from "../../runs/undo.js";
import { renderIncidentReport } from "../incident-report.js";
import { isContainerGroupTarget, targetPath } from "../../machines/target.js";

const runIdSchema = z
  .string({ error: "name the run: acr-cmk runs show <run-id> (see acr-cmk runs list)" })
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, "a run id is letters, digits, '.', '_' or '-' (see acr-cmk runs list)");

function parseRunId(value: string | undefined): string {
  const parsed = runIdSchema.safeParse(value);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join("; "));
  return parsed.data;
}

async function withRecords<T>(
  ctx: CliContext,
  work: (records: ReturnType<typeof openRunRecords>) => Promise<T>,
): Promise<T> {
  const records = openRunRecords(ctx.globals.home, ctx.env.ACR_CMK_STORE);
  try {
    return await work(records);
  } finally {
    records.close();
  }
}

export const listRunsCommand: CommandRunner = async (ctx) =>
  withRecords(ctx, async (records) => {
    const runs = await records.list();
    if (ctx.globals.output === "json") {
      printJson(ctx, { runs });
      return EXIT.ok;
    }
    if (runs.length === 0) {
      ctx.stdout.write("No runs yet. Start one with: acr-cmk recover -g <resource-group> -r <registry>\n");
      return EXIT.ok;
    }
    // A run's target is a registry (acr) or a container group (aci), named as `acr-cmk scan` names them.
    const rows = runs.map((run) => [
      run.id,
      run.runbook,
      `${isContainerGroupTarget(run.target) ? "aci" : "acr"} ${targetPath(run.target)}`,
      run.status,
      run.requester,
      run.updatedAt,
    ]);
    const header = ["RUN", "RUNBOOK", "TARGET", "STATUS", "REQUESTER", "UPDATED"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    for (const row of [header, ...rows])
      ctx.stdout.write(
        `${row
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join("  ")
          .trimEnd()}\n`,
      );
    return EXIT.ok;
  });

function printRun(ctx: CliContext, view: RunView, trail: AuditEntry[]): void {
  const out = (line: string) => ctx.stdout.write(`${line}\n`);
  out(`Run ${view.id}: ${view.runbook} on ${targetPath(view.target)}`);
  out(
    `  status ${view.status}; requested by ${view.requester} via ${view.driver}; started ${view.startedAt}; updated ${view.updatedAt}`,
  );
  out(
    `  acts in ${view.place ? describePlace(view.place) : "a place not recorded (stored by an older acr-cmk)"}, subscription ${view.target.subscriptionId}`,
  );
  if (view.incident?.undoes) out(`  undoes: ${view.incident.undoes.summary}`);
  out("Steps:");
  for (const step of view.steps) {
    out(`  [${step.status.padEnd(7)}] ${step.title}${step.az ? `\n              az: ${step.az}` : ""}`);
    for (const evidence of step.evidence ?? []) out(`              - ${evidence}`);
  }
  if (view.approval) {
    const a = view.approval;
    out(
      `Waiting for approval: ${a.title} (${a.resource}: ${a.before} → ${a.after}); risk ${a.risk}; expires ${a.expiresAt}`,
    );
  }
  if (view.input) out(`Waiting for a choice: ${view.input.prompt} (${view.input.options.map((o) => o.id).join(", ")})`);
  if (view.error) out(`Stopped at ${view.error.step}: ${view.error.message}`);
  if (view.outcome) {
    out(`Outcome: ${view.outcome.summary}`);
    for (const step of view.outcome.nextSteps) out(`  next: ${step}`);
  }
  out("Approvals and audit trail:");
  for (const entry of trail) {
    // A choice names the value chosen: which identity, which method, not only that something was chosen.
    const chosen = entry.action === "input" && typeof entry.details.value === "string" ? ` ${entry.details.value}` : "";
    out(
      `  #${entry.seq} ${entry.at} ${entry.actor} ${entry.action}: ${entry.outcome}${chosen}${entry.azureRequestId ? ` (request id ${entry.azureRequestId})` : ""}`,
    );
  }
  if (view.rollback.length > 0) {
    out("Rollback commands, in the order to run them (newest change first):");
    for (const command of undoOrder(view)) out(`  ${command}`);
  }
}

const showOptions = z.object({
  format: z.enum(["text", "md"], { error: "--format takes text or md" }).default("text"),
});

export const showRunCommand: CommandRunner = async (ctx, options, runId) => {
  const id = parseRunId(runId);
  const parsed = showOptions.safeParse({ format: options.format });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join("; "));
  return withRecords(ctx, async (records) => {
    const view = await records.get(id);
    if (!view) throw new UsageError(`no run with id ${id} (see acr-cmk runs list)`);
    const trail = await records.auditTrail(id);
    if (ctx.globals.output === "json") printJson(ctx, { run: view, audit: trail });
    else if (parsed.data.format === "md") ctx.stdout.write(renderIncidentReport(view, trail));
    else printRun(ctx, view, trail);
    return EXIT.ok;
  });
};

/**
 * A run that was stored before acr-cmk recorded where runs act: a sandbox run if the sandbox it would have used holds
 * its subscription (sandbox subscriptions are random GUIDs, never a real one), Azure otherwise.
 */
function legacyPlace(ctx: CliContext, run: RunView): RunPlace {
  const stateFile = ctx.globals.sandbox ?? join(ctx.globals.home, "sandbox.json");
  return worldSubscription(stateFile)?.toLowerCase() === run.target.subscriptionId.toLowerCase()
    ? { kind: "sandbox", stateFile }
    : { kind: "cloud" };
}

/** Every subscription of the world in the state file (a fleet world has several), lower-cased; none if unreadable. */
function worldSubscriptions(stateFile: string): string[] {
  try {
    const world = JSON.parse(readFileSync(stateFile, "utf8")) as { subscriptionId?: unknown; subscriptions?: unknown };
    const others = Array.isArray(world.subscriptions)
      ? world.subscriptions.map((s) => (s as { subscriptionId?: unknown } | null)?.subscriptionId)
      : [];
    return [world.subscriptionId, ...others]
      .filter((id): id is string => typeof id === "string")
      .map((id) => id.toLowerCase());
  } catch {
    return [];
  }
}

function worldSubscription(stateFile: string): string | undefined {
  try {
    const world = JSON.parse(readFileSync(stateFile, "utf8")) as { subscriptionId?: unknown };
    return typeof world.subscriptionId === "string" ? world.subscriptionId : undefined;
  } catch {
    return undefined;
  }
}

/** The run's place no longer exists: why, in words (nothing can continue the run there). */
class PlaceGone extends UsageError {}

/**
 * Points this command where the run acts (its own subscription in Azure, or its own sandbox state file), whatever
 * `--sandbox` / ACR_CMK_SANDBOX say by default; names the mismatch when the user pointed elsewhere, and refuses when
 * the place is gone (PlaceGone). A run never moves between the sandbox and Azure.
 */
function connectToRunPlace(ctx: CliContext, run: RunView): void {
  const place = run.place ?? legacyPlace(ctx, run);
  const where = `run ${run.id} acts in ${describePlace(place)}`;
  if (place.kind === "cloud") {
    if (ctx.globals.sandbox) {
      throw new UsageError(
        `${where} (subscription ${run.target.subscriptionId}), not in a sandbox: drop --sandbox (and ACR_CMK_SANDBOX) to act on it`,
      );
    }
    if (!ctx.globals.subscription) ctx.globals.subscription = run.target.subscriptionId;
    return;
  }
  if (!place.stateFile) {
    throw new PlaceGone(`${where}, which only lived while its process ran: nothing can continue it now`);
  }
  if (ctx.globals.sandbox && resolve(ctx.globals.sandbox) !== place.stateFile) {
    throw new UsageError(
      `${where}, not in the sandbox at ${ctx.globals.sandbox}: leave out --sandbox (acr-cmk finds the run's own), ` +
        `or name it: ${invocationIn(place)} runs …`,
    );
  }
  if (!existsSync(place.stateFile)) {
    throw new PlaceGone(
      `${where}, and that state file is gone: nothing can continue the run there (a new sandbox is another world)`,
    );
  }
  const subscription = worldSubscription(place.stateFile);
  // A fleet world's other subscriptions count too: the run acts in its own.
  const held = worldSubscriptions(place.stateFile).some((s) => s === run.target.subscriptionId.toLowerCase());
  if (!held) {
    throw new PlaceGone(
      `${where}, but that file now holds another world (subscription ${subscription ?? "unreadable"}; the run's was ` +
        `${run.target.subscriptionId}): \`sandbox init\` replaced it, so nothing can continue the run there`,
    );
  }
  ctx.globals.sandbox = place.stateFile;
  ctx.globals.subscription = run.target.subscriptionId;
}

/** `--as <name>`: the person acting, as the audit log and ACR_CMK_APPROVERS name them. */
function actorName(value: unknown): string | undefined {
  const parsed = z
    .string()
    .trim()
    .regex(/^[^\s,]{1,100}$/, "--as takes one name of up to 100 characters, without spaces or commas")
    .optional()
    .safeParse(value);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join("; "));
  return parsed.data;
}

export const resumeRunCommand: CommandRunner = async (ctx, options, runId) => {
  const id = parseRunId(runId);
  const yes = z.boolean().optional().parse(options.yes) ?? false;
  const confirmAffected = parseConfirmAffected(options.confirmAffected, yes);
  const method = revokeMethod.safeParse(options.method);
  if (!method.success) throw new UsageError(method.error.issues.map((i) => i.message).join("; "));
  const known = await withRecords(ctx, (records) => records.get(id));
  if (!known) throw new UsageError(`no run with id ${id} (see acr-cmk runs list)`);
  connectToRunPlace(ctx, known);
  const by = localUser(ctx, actorName(options.as));
  const engine = await openEngine(ctx);
  try {
    let view = await engine.resume(id, by, yes ? { selfApprove: true } : {});
    // A run stopped at an Azure error continues by retrying the step that failed.
    if (view.status === "failed" && view.error && view.error.cause !== "internal") {
      view = await engine.settled(id);
      if (view.status === "failed") await engine.retry(id, by);
    }
    if (ctx.globals.output === "text")
      ctx.stdout.write(`Resuming run ${id} (${invocationOf(ctx)} runs show ${id} for the full trail)\n`);
    // The choices given when the run started still stand; a --method given now comes first.
    const answers = [...(method.data ? [method.data] : []), ...(known.presetChoices ?? [])];
    return await driveRun(ctx, engine, id, by, {
      yes,
      ...(confirmAffected !== undefined ? { confirmAffected } : {}),
      answers,
    });
  } catch (error) {
    return reportRefusal(ctx, error);
  } finally {
    await engine.close();
  }
};

/** Stops a run that waits for a person (or stopped at an error) and frees its registry; nothing in Azure changes. */
export const abortRunCommand: CommandRunner = async (ctx, options, runId) => {
  const id = parseRunId(runId);
  const parsedReason = z
    .string({ error: "say why: acr-cmk runs abort <run-id> --reason <text>" })
    .trim()
    .min(1, "say why: acr-cmk runs abort <run-id> --reason <text>")
    .max(500, "keep the reason under 500 characters")
    .safeParse(options.reason);
  if (!parsedReason.success) throw new UsageError(parsedReason.error.issues.map((i) => i.message).join("; "));
  const reason = parsedReason.data;
  const known = await withRecords(ctx, (records) => records.get(id));
  if (!known) throw new UsageError(`no run with id ${id} (see acr-cmk runs list)`);
  const by = localUser(ctx, actorName(options.as));
  try {
    connectToRunPlace(ctx, known);
  } catch (error) {
    if (!(error instanceof PlaceGone)) throw error;
    // An abort needs no Azure: the run is closed in the store, with why, instead of staying listed for ever.
    return abortWherePlaceIsGone(ctx, id, by, reason, error.message);
  }
  const engine = await openEngine(ctx);
  try {
    await engine.resume(id, by);
    const view = await engine.abort(id, by, reason);
    if (ctx.globals.output === "json") printJson(ctx, { run: view });
    else ctx.stdout.write(`Run ${id} aborted by ${by}: ${reason}\n`);
    return EXIT.ok;
  } catch (error) {
    return reportRefusal(ctx, error);
  } finally {
    await engine.close();
  }
};

async function abortWherePlaceIsGone(
  ctx: CliContext,
  id: string,
  by: string,
  reason: string,
  placeGone: string,
): Promise<number> {
  try {
    const view = await abortOrphanedRun(
      ctx.globals.home,
      { runId: id, by, reason, placeGone: capitalised(placeGone) },
      ctx.env.ACR_CMK_STORE,
    );
    if (ctx.globals.output === "json") printJson(ctx, { run: view });
    else ctx.stdout.write(`Run ${id} aborted by ${by}: ${reason} (${placeGone}; nothing in Azure changed)\n`);
    return EXIT.ok;
  } catch (error) {
    return reportRefusal(ctx, error);
  }
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
