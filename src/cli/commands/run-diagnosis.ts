// What a guided run starts from: the registry's diagnosis, the placeholder values it already read, and the plan
// `--dry-run` prints from them.
import { isAzureFailure, type CmkAzure, type RegistryRef } from "../../azure/types.js";
import type { DiagnosisReport } from "../../diagnosis/diagnose.js";
import { knownValuesOf } from "../../diagnosis/known-values.js";
import type { RunbookDefinition } from "../../machines/protocol.js";
import { planSteps, targetPlaceholders } from "../../runs/plan.js";
import type { RunTarget } from "../../runs/types.js";
import { printJson, type CliContext } from "../context.js";
import { EXIT, UsageError } from "../errors.js";
import { commandTiming } from "../sandbox-timing.js";
import { invocationOf } from "../wiring.js";
import { targetPath } from "../../machines/target.js";

export async function diagnose(
  ctx: CliContext,
  azure: CmkAzure,
  ref: RegistryRef,
  options: { lookAgain?: boolean } = {},
): Promise<DiagnosisReport> {
  const { diagnoseRegistry } = await import("../../diagnosis/diagnose.js");
  const timing = await commandTiming(ctx);
  try {
    return await diagnoseRegistry(azure, ref, {
      invocation: invocationOf(ctx),
      ...timing,
      ...(options.lookAgain === false ? { missingKeyLook: { everyMs: 1, forMs: 0 } } : {}),
      onLookAgain: (why) => ctx.stderr.write(`looking again …: ${why}\n`),
    });
  } catch (error) {
    if (isAzureFailure(error, "not-found")) {
      throw new UsageError(
        `registry '${ref.name}' not found in resource group '${ref.resourceGroup}' (subscription ${azure.subscriptionId})`,
      );
    }
    throw error;
  }
}

/**
 * The diagnosis `run <runbook>` keeps as its incident (as recover does): findings, timeline and the change the run
 * undoes. It never holds the run back: no second look for a key in neither list (the runbook's own checks wait for
 * Azure), and a diagnosis that fails leaves the run without an incident, said on stderr.
 */
export async function incidentDiagnosis(
  ctx: CliContext,
  azure: CmkAzure,
  ref: RegistryRef,
): Promise<DiagnosisReport | undefined> {
  try {
    return await diagnose(ctx, azure, ref, { lookAgain: false });
  } catch (error) {
    // No such registry (or bad input): refused before anything starts, as recover refuses it.
    if (error instanceof UsageError) throw error;
    const why = error instanceof Error ? error.message : String(error);
    ctx.stderr.write(`The diagnosis at the start failed (${why}): the run keeps no incident.\n`);
    return undefined;
  }
}

/** Placeholder values the diagnosis read (vault and its group, key, identity, principal): src/diagnosis/known-values.ts. */
export function knownValues(report: DiagnosisReport | undefined): Record<string, string> {
  return knownValuesOf(report);
}

/** `--dry-run`: the diagnosis and every step with its `az` command; nothing is changed. */
export async function printDryRun(
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
  out(`Dry run of ${definition.id} (${definition.title}) on ${targetPath(target)}: nothing will be changed.`);
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
