// `recover` without a terminal: one runbook after another while the diagnosis names a new cause, in rounds.
import type { CmkAzure, RegistryRef } from "../../azure/types.js";
import { incidentFor } from "../../diagnosis/timeline/incident.js";
import type { DiagnosisReport } from "../../diagnosis/diagnose.js";
import { nextFix } from "../../diagnosis/next-fix.js";
import type { RunbookId } from "../../diagnosis/types.js";
import type { RunEngine, RunTarget, RunView } from "../../runs/types.js";
import { printJson, type CliContext } from "../context.js";
import { EXIT } from "../errors.js";
import { exitCodeForRun, printRunEnd } from "../plain-driver.js";
import { diagnose, knownValues } from "./run-diagnosis.js";
import { invocationOf } from "../wiring.js";
import { drivePlainRun, type DriveOptions } from "./run-drive.js";
import { affectedConfirmation } from "../confirm-affected.js";
import { targetName, targetPath } from "../../machines/target.js";

/** Enough for every pairing of causes the runbooks fix; a loop that would go on longer is not converging. */
const MAX_RECOVERY_ROUNDS = 4;

/**
 * `recover` without a terminal: run the runbook the diagnosis names, diagnose again, and go on while a critical finding
 * names a runbook not yet run here (several causes at once: a firewall switched on and an access policy removed).
 * Only critical findings carry it on: a recovery never starts a rotation for a key that merely expires soon.
 */
export async function recoverInRounds(
  ctx: CliContext,
  engine: RunEngine,
  ref: RegistryRef,
  target: RunTarget,
  azure: CmkAzure,
  first: DiagnosisReport,
  firstRunbook: RunbookId,
  run: DriveOptions & { requester: string },
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
        presetChoices: run.answers,
        incident: incidentFor(report, id),
      });
      // Its closing lines wait for what recover does with it: a run superseded by the next round is not "to be
      // continued" (no "Fix the cause, then continue"), it is aborted, and its end says so.
      const last = await drivePlainRun(ctx, engine, started.id, run.requester, run, { printEnd: false });
      runs.push(last);
      done.add(id);
      let next: ReturnType<typeof nextFix>;
      try {
        // A run that waits for a person, or ended without fixing anything it could (rejected, aborted, unrecoverable),
        // is where recovery stops. A run that succeeded, escalated or stopped at an error may have met another cause.
        if (!["succeeded", "escalated", "failed"].includes(last.status)) break;
        report = await diagnose(ctx, azure, ref);
        next = nextFix(report.findings, done);
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
      } finally {
        if (text) printRunEnd(ctx.stdout, runs[runs.length - 1]!, invocationOf(ctx));
      }
      if (text) {
        ctx.stdout.write(
          `\nDiagnosis after run ${last.id}: ${next.id} (${next.title}) → runbook ${next.runbook}` +
            `${last.status === "failed" ? ` (run ${last.id} stopped: recover goes on with ${next.runbook})` : ""}\n`,
        );
      }
    }
  } finally {
    if (runs.length > 0 && !text) await printRecovery(ctx, engine, runs, report, run.confirmAffected);
  }
  const last = runs[runs.length - 1]!;
  const healthy = report !== first || runs.length > 1 ? report.healthy : undefined;
  if (text && runs.length > 1) {
    ctx.stdout.write(
      `\nRecover ran ${runs.map((r) => `${r.runbook} (${r.status})`).join(", ")}.` +
        `${healthy === true ? ` ${targetPath(target)} is healthy.` : ""}\n`,
    );
  }
  if (text && healthy === false) {
    const left = report.findings.filter((f) => f.severity === "critical");
    if (left.length > 0) ctx.stdout.write(`Still wrong with ${targetName(target)}:\n`);
    for (const f of left) ctx.stdout.write(`  ${f.id} ${f.title}${f.runbook ? ` (runbook ${f.runbook})` : ""}\n`);
  }
  // Healthy at the end is success, whatever an earlier round said; otherwise the last run decides.
  return healthy === true ? EXIT.ok : exitCodeForRun(last);
}

/** The one JSON document of a recovery: the last run as `run` (as for one run), every run with its audit trail. */
async function printRecovery(
  ctx: CliContext,
  engine: RunEngine,
  runs: RunView[],
  report: DiagnosisReport,
  confirmAffected: number | undefined,
): Promise<void> {
  const last = runs[runs.length - 1]!;
  const trails = await Promise.all(runs.map((r) => engine.auditTrail(r.id)));
  printJson(ctx, {
    run: last,
    audit: trails[trails.length - 1],
    ...affectedConfirmation(last, confirmAffected, invocationOf(ctx)),
    runs: runs.map((r, i) => ({ id: r.id, runbook: r.runbook, status: r.status, audit: trails[i] })),
    diagnosis: report,
  });
}
