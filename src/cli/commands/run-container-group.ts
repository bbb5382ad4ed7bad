// `run key-deleted|restore --id <container group id>` and `recover --id <container group id>`: a run for an ACI
// container group. The group's diagnosis comes first: a group whose problem is not its key's (a purged key, a vault
// firewall, a deleted identity) can only be redeployed, so the run is refused and the redeploy shape printed; a
// group that is healthy has nothing to recover. Otherwise the runbook's container-group form runs, as any run does.
import { parseContainerGroupId } from "../../azure/ids.js";
import { groupRunHints, type ContainerGroupReport } from "../../diagnosis/fleet/container-group.js";
import type { RunbookId } from "../../diagnosis/types.js";
import { CONTAINER_GROUP_RUNBOOK_IDS, runbookFor } from "../../machines/index.js";
import type { ContainerGroupTarget } from "../../machines/meta.js";
import { targetPath } from "../../machines/target.js";
import { planSteps, targetPlaceholders } from "../../runs/plan.js";
import { printJson, type CliContext } from "../context.js";
import { EXIT, UsageError } from "../errors.js";
import { invocationOf, localUser, openEngine } from "../wiring.js";
import { driveRun } from "./run-drive.js";

export interface GroupRunOptions {
  yes?: boolean | undefined;
  dryRun?: boolean | undefined;
  requester?: string | undefined;
  confirmAffected?: number;
}

/** Why no runbook runs: the findings and, when the group must be redeployed, the shape to redeploy it with. */
function printNoRun(ctx: CliContext, report: ContainerGroupReport, headline: string): void {
  if (ctx.globals.output === "json") {
    printJson(ctx, { diagnosis: report, runbook: null });
    return;
  }
  const out = (line: string) => ctx.stdout.write(`${line}\n`);
  out(headline);
  for (const f of report.findings.filter((f) => f.severity !== "info"))
    out(`  ${f.severity}: ${f.id} ${f.title}\n    ${f.detail}`);
  if (report.redeploy) out(`\nRedeploy with: ${report.redeploy.command}\n${report.redeploy.file}`);
}

export async function runForContainerGroup(
  ctx: CliContext,
  runbook: RunbookId | "recover",
  options: GroupRunOptions,
  id: string,
  nameStoppedRuns: (ctx: CliContext, target: ContainerGroupTarget) => void,
  reportRefusal: (ctx: CliContext, error: unknown) => number,
): Promise<number> {
  const ref = parseContainerGroupId(id);
  if (runbook !== "recover" && !CONTAINER_GROUP_RUNBOOK_IDS.includes(runbook)) {
    throw new UsageError(
      `${runbook} does not apply to a container group: its encryption is fixed when it is deployed, so only ` +
        `${CONTAINER_GROUP_RUNBOOK_IDS.join(" and ")} (which repair the key) or recover can run for it`,
    );
  }
  // The id names the group's subscription: the run acts there (in Azure, or in that subscription of a fleet sandbox).
  if (!ctx.globals.subscription) ctx.globals.subscription = ref.subscriptionId;
  const azure = await ctx.azure();
  if (ref.subscriptionId.toLowerCase() !== azure.subscriptionId.toLowerCase()) {
    throw new UsageError(
      `the container group id is in subscription ${ref.subscriptionId}, but acr-cmk is using ${azure.subscriptionId}` +
        (ctx.globals.sandbox
          ? " (the sandbox has no such subscription)"
          : `; pass --subscription ${ref.subscriptionId}`),
    );
  }
  const target: ContainerGroupTarget = {
    subscriptionId: azure.subscriptionId,
    resourceGroup: ref.resourceGroup,
    containerGroup: ref.name,
  };
  const { containerGroupReport } = await import("./diagnose-fleet.js");
  const report = await containerGroupReport(ctx, id.trim(), invocationOf(ctx));
  let chosen: RunbookId;
  if (runbook === "recover") {
    if (report.healthy) {
      if (ctx.globals.output === "json") printJson(ctx, { diagnosis: report, runbook: null });
      else ctx.stdout.write(`Container group ${targetPath(target)} is healthy: nothing to recover.\n`);
      return EXIT.ok;
    }
    if (!report.runbook) {
      printNoRun(ctx, report, `No runbook fixes what diagnose found on container group ${ref.name}:`);
      return EXIT.problems;
    }
    if (ctx.globals.output === "text")
      ctx.stdout.write(`Diagnosis: the fix is the key's → runbook ${report.runbook}\n`);
    chosen = report.runbook;
  } else {
    if (!report.healthy && !report.runbook) {
      printNoRun(
        ctx,
        report,
        `${runbook} cannot help container group ${ref.name}: its problem is not one its key's owner can undo, so it must be redeployed.`,
      );
      return EXIT.problems;
    }
    chosen = runbook;
  }
  const definition = runbookFor(chosen, target);
  if (!definition) throw new UsageError(`runbook ${chosen} is not available for container groups`);
  const hints = groupRunHints(report);
  if (options.dryRun) {
    const steps = planSteps(definition, targetPlaceholders(target, hints));
    if (ctx.globals.output === "json") {
      printJson(ctx, { runbook: definition.id, target, dryRun: true, steps, diagnosis: report });
      return EXIT.ok;
    }
    ctx.stdout.write(
      `Dry run of ${definition.id} (${definition.title}) on container group ${targetPath(target)}: nothing will be changed.\n`,
    );
    steps.forEach((step, index) => {
      ctx.stdout.write(`${String(index + 1).padStart(2)}. ${step.title} [${step.kind}]\n`);
      if (step.az) ctx.stdout.write(`      az: ${step.az}\n`);
    });
    return EXIT.ok;
  }
  nameStoppedRuns(ctx, target);
  const requester = localUser(ctx, options.requester);
  const engine = await openEngine(ctx, azure);
  try {
    const started = await engine.start({
      runbook: chosen,
      target,
      requester,
      driver: "cli",
      selfApprove: Boolean(options.yes),
      hints,
    });
    const drive = { yes: Boolean(options.yes), answers: [] };
    return await driveRun(ctx, engine, started.id, requester, {
      ...drive,
      ...(options.confirmAffected !== undefined ? { confirmAffected: options.confirmAffected } : {}),
    });
  } catch (error) {
    return reportRefusal(ctx, error);
  } finally {
    await engine.close();
  }
}
