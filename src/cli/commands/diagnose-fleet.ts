// The fleet side of `diagnose`: a container group by --id, and, for a registry with a broken key, the other resources
// that read the same key (one Resource Graph query; never a reason for diagnose to fail).
import { isAzureFailure } from "../../azure/types.js";
import { parseKeyId, formatKeyId } from "../../azure/ids.js";
import {
  diagnoseContainerGroup,
  keySharers,
  renderContainerGroupText,
  type ContainerGroupReport,
} from "../../diagnosis/fleet/container-group.js";
import { printJson, type CliContext } from "../context.js";
import { EXIT, UsageError } from "../errors.js";
import { commandTiming } from "../sandbox-timing.js";

async function fleetFor(ctx: CliContext) {
  const { createFleetAzureForCli } = await import("../fleet-azure.js");
  return createFleetAzureForCli(ctx.globals, ctx.env);
}

/** The container group's diagnosis; a group that is not there (or not readable) is bad input. */
export async function containerGroupReport(
  ctx: CliContext,
  id: string,
  invocation: string,
): Promise<ContainerGroupReport> {
  if (/['"\s\\]/.test(id)) throw new UsageError(`'${id}' is not a container group resource id`);
  const fleet = await fleetFor(ctx);
  const timing = await commandTiming(ctx);
  const report = await diagnoseContainerGroup(fleet, id, { invocation, ...timing });
  if (!report) throw new UsageError(`container group '${id}' not found (or not readable by the signed-in identity)`);
  return report;
}

export async function diagnoseContainerGroupCommand(ctx: CliContext, id: string, invocation: string): Promise<number> {
  const report = await containerGroupReport(ctx, id, invocation);
  if (ctx.globals.output === "json") printJson(ctx, report);
  else ctx.stdout.write(renderContainerGroupText(report));
  return report.healthy ? EXIT.ok : EXIT.problems;
}

export async function sharedKeyNote(
  ctx: CliContext,
  selfId: string,
  keyIdentifier: string | null,
): Promise<{ ids: string[]; text: string } | null> {
  if (!keyIdentifier) return null;
  let keyId: string;
  try {
    const parsed = parseKeyId(keyIdentifier);
    keyId = formatKeyId(parsed.vaultUrl, parsed.name);
  } catch {
    return null;
  }
  let ids: string[] | null;
  try {
    ids = await keySharers(await fleetFor(ctx), keyId, selfId);
  } catch (error) {
    if (isAzureFailure(error)) return null;
    throw error;
  }
  if (!ids || ids.length === 0) return null;
  const lines = [
    "",
    `The same key is read by ${ids.length === 1 ? "1 other resource; it is" : `${ids.length} other resources; they are`} broken too until it is fixed:`,
    ...ids.slice(0, 10).map((id) => `  ${id}`),
    ...(ids.length > 10 ? [`  … and ${ids.length - 10} more: acr-cmk scan`] : []),
    "",
  ];
  return { ids, text: lines.join("\n") };
}

/** The sandbox port for another subscription of its world; undefined when the world has no such subscription. */
export async function sandboxPortFor(stateFile: string, subscriptionId: string) {
  const [{ createSandboxAzure }, { fileStore, findSubscription }] = await Promise.all([
    import("../sandbox-azure.js"),
    import("../../sandbox/index.js"),
  ]);
  const store = fileStore(stateFile);
  if (!findSubscription(store.read(), subscriptionId)) return undefined;
  return createSandboxAzure({ store, stateFile, subscriptionId });
}
