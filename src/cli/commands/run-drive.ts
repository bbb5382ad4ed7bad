// Driving a started or resumed run to its next stop: the TUI when a person sits at a terminal, the plain step log
// otherwise (pipes, CI, scripts).
import type { RunEngine, RunView } from "../../runs/types.js";
import { printJson, type CliContext } from "../context.js";
import { UsageError } from "../errors.js";
import { drivePlain, exitCodeForRun, printRunEnd } from "../plain-driver.js";
import { invocationOf } from "../wiring.js";
import { affectedConfirmation } from "../confirm-affected.js";
import { targetName } from "../../machines/target.js";

/** How a scripted run answers what it meets: --yes, --confirm-affected <n>, preset choices (--method). */
export interface DriveOptions {
  yes: boolean;
  confirmAffected?: number;
  answers: string[];
}

/** Drives a started or resumed run to its next stop: the TUI on a terminal, the plain log otherwise. */
export async function driveRun(
  ctx: CliContext,
  engine: RunEngine,
  runId: string,
  by: string,
  options: DriveOptions,
): Promise<number> {
  const view = await engine.get(runId);
  if (!view) throw new UsageError(`no run with id ${runId}`);
  if (inTerminal(ctx)) {
    // Ink and React load only when a person sits at a terminal.
    const { runInTui } = await import("./tui.js");
    return runInTui(ctx, engine, runId, by);
  }
  const last = await drivePlainRun(ctx, engine, runId, by, options);
  if (ctx.globals.output === "json")
    printJson(ctx, {
      run: last,
      audit: await engine.auditTrail(runId),
      ...affectedConfirmation(last, options.confirmAffected, invocationOf(ctx)),
    });
  return exitCodeForRun(last);
}

/** The plain step log of one run up to its next stop, with its closing lines in text mode. */
export async function drivePlainRun(
  ctx: CliContext,
  engine: RunEngine,
  runId: string,
  by: string,
  options: DriveOptions,
  { printEnd = true }: { printEnd?: boolean } = {},
): Promise<RunView> {
  const json = ctx.globals.output === "json";
  const view = await engine.get(runId);
  // Ctrl-C stops the run at its last saved step instead of killing the process mid-call; a second one kills.
  let onInterrupt = (): void => undefined;
  const interrupted = new Promise<void>((resolve) => (onInterrupt = resolve));
  process.once("SIGINT", onInterrupt);
  const last = await drivePlain({
    engine,
    runId,
    // JSON mode prints exactly one document: the step log goes to stderr.
    out: json ? ctx.stderr : ctx.stdout,
    by,
    yes: options.yes,
    ...(options.confirmAffected !== undefined ? { confirmAffected: options.confirmAffected } : {}),
    registry: view ? targetName(view.target) : "",
    answers: options.answers,
    invocation: invocationOf(ctx),
    interrupted,
    // In the sandbox the wait follows its own clock: moving it on ends the wait at once.
    ...(ctx.globals.sandbox
      ? { waits: { moveOn: `In the sandbox, move its clock on instead: ${invocationOf(ctx)} sandbox advance 1h` } }
      : {}),
  }).finally(() => process.off("SIGINT", onInterrupt));
  if (!json && printEnd) printRunEnd(ctx.stdout, last, invocationOf(ctx));
  return last;
}

/** The TUI drives runs when a person sits at a terminal and wants text; everything else gets the plain step log. */
export function inTerminal(ctx: CliContext): boolean {
  return ctx.globals.output === "text" && Boolean(ctx.stdout.isTTY) && Boolean(ctx.stdin.isTTY);
}
