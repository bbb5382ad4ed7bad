// `acr-cmk diagnose --id <container group id>`: an ACI container group's key, checked as a scan checks a key path.
// A group's encryption is fixed when it is deployed (https://learn.microsoft.com/azure/container-instances/
// container-instances-encrypt-data): when the key itself can be made usable again (recovered, re-enabled, access
// given back) that is the fix; anything else means redeploying the group, and the report gives that shape.
import type { ContainerGroupInfo, FleetAzure } from "../../azure/fleet-types.js";
import { isHealthy } from "../diagnose.js";
import { probeRegistry, type ProbeOptions } from "../probe.js";
import type { RuleContext } from "../rules/index.js";
import type { Finding, RunbookId } from "../types.js";
import { containerGroupSubject, registrySubject, type ScanSubject } from "./key-paths.js";
import { judge, resourceRunbook } from "./scan.js";

export interface ContainerGroupReport {
  containerGroup: {
    id: string;
    name: string;
    resourceGroup: string;
    subscriptionId: string;
    location: string;
    encryption: ContainerGroupInfo["encryption"];
  };
  healthy: boolean;
  findings: Finding[];
  runbook: RunbookId | null;
  /** Other registries and container groups that read the same key (its blast radius). */
  sharedWith: string[];
  /** How to redeploy the group with a usable key, when the key's own fix is not enough; null otherwise. */
  redeploy: { command: string; file: string } | null;
}

export type ContainerGroupDiagnosis = ContainerGroupReport | null;

/** The ACI YAML (az container create --file) that redeploys the group with the same CMK settings. */
export function redeployShape(group: ContainerGroupInfo): { command: string; file: string } {
  const identity = group.encryption.identity;
  const lines = [
    "apiVersion: '2022-09-01'",
    `location: ${group.location}`,
    `name: ${group.name}`,
    "type: Microsoft.ContainerInstance/containerGroups",
    ...(identity ? ["identity:", "  type: UserAssigned", "  userAssignedIdentities:", `    '${identity}': {}`] : []),
    "properties:",
    "  sku: Standard",
    `  osType: ${group.osType ?? "Linux"}`,
    "  encryptionProperties:",
    `    vaultBaseUrl: ${group.encryption.vaultBaseUrl}`,
    `    keyName: ${group.encryption.keyName}`,
    "    keyVersion: <a usable version of the key: az keyvault key show --id <key id> --query key.kid>",
    ...(identity ? [`    identity: ${identity}`] : []),
    "  containers:",
    ...group.containers.flatMap((c) => [
      `  - name: ${c.name}`,
      "    properties:",
      `      image: ${c.image}`,
      "      resources:",
      "        requests:",
      `          cpu: ${c.cpu ?? 1}`,
      `          memoryInGB: ${c.memoryInGB ?? 1.5}`,
    ]),
  ];
  return {
    command: `az container create --resource-group ${group.resourceGroup} --file ${group.name}.yaml`,
    file: lines.join("\n") + "\n",
  };
}

function redeployFinding(group: ContainerGroupInfo, shape: { command: string }): Finding {
  return {
    id: "CONTAINER_GROUP_REDEPLOY",
    severity: "critical",
    title: `Container group '${group.name}' must be redeployed with a usable key`,
    detail:
      `A container group's encryption is fixed when it is deployed, and this problem is not one the key's owner can ` +
      `undo for it. Redeploy the group with a key version it can read (identity with get and unwrapKey on the key; ` +
      `with a vault firewall, trusted services allowed): ${shape.command}.`,
    evidence: { encryptionProperties: { ...group.encryption } },
    runbook: null,
    command: shape.command,
  };
}

/**
 * What a run for the group starts from: the placeholders its encryptionProperties already fill (as a registry's
 * diagnosis fills its run's), so every driver starts the same run.
 */
export function groupRunHints(report: Pick<ContainerGroupReport, "containerGroup">): Record<string, string> {
  const e = report.containerGroup.encryption;
  const vault = /^https:\/\/([^./]+)\./i.exec(e.vaultBaseUrl)?.[1];
  return {
    "container-group": report.containerGroup.name,
    ...(vault ? { "vault-name": vault } : {}),
    "key-name": e.keyName,
    "key-version": e.keyVersion,
    ...(e.identity ? { "identity-id": e.identity } : {}),
  };
}

/** Others using the same key (any version), for the blast radius; `self` is left out. */
export function sharingKey(subjects: readonly ScanSubject[], self: ScanSubject): string[] {
  if (!self.keyId) return [];
  const key = self.keyId.toLowerCase();
  return subjects
    .filter((s) => s.keyId?.toLowerCase() === key && s.id.toLowerCase() !== self.id.toLowerCase())
    .map((s) => s.id);
}

export async function diagnoseContainerGroup(
  fleet: FleetAzure,
  id: string,
  options: Pick<ProbeOptions, "now" | "missingKeyLook" | "abortSignal"> & RuleContext,
): Promise<ContainerGroupDiagnosis> {
  const call = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const group = await fleet.getContainerGroup(id, call);
  if (!group) return null;
  const subject = containerGroupSubject(group);
  // One Resource Graph query tells where the key's vault lives and who else reads the key.
  const visible = (await fleet.listSubscriptions(call)).map((s) => s.subscriptionId);
  const inventory = await fleet.inventory(visible.length ? visible : [group.subscriptionId], call);
  const others = [
    ...inventory.registries.map(registrySubject),
    ...inventory.containerGroups.map(containerGroupSubject),
  ];
  const vault = inventory.vaults.find((v) => v.name.toLowerCase() === subject.vaultName?.toLowerCase());
  const { snapshot } = await probeRegistry(
    fleet.portFor(vault?.subscriptionId ?? group.subscriptionId),
    { resourceGroup: group.resourceGroup, name: group.name },
    {
      registry: subject.info,
      dataPlane: false,
      ...(options.now ? { now: options.now } : {}),
      ...(options.missingKeyLook ? { missingKeyLook: options.missingKeyLook } : {}),
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    },
  );
  let findings = judge(subject, snapshot, { invocation: options.invocation });
  const runbook = resourceRunbook("containerGroup", findings);
  const unhealthy = !isHealthy(findings);
  const shape = unhealthy && runbook === null ? redeployShape(group) : null;
  if (shape)
    findings = [
      ...findings.filter((f) => f.severity === "critical"),
      redeployFinding(group, shape),
      ...findings.filter((f) => f.severity !== "critical"),
    ];
  return {
    containerGroup: {
      id: group.id,
      name: group.name,
      resourceGroup: group.resourceGroup,
      subscriptionId: group.subscriptionId,
      location: group.location,
      encryption: group.encryption,
    },
    healthy: !unhealthy,
    findings,
    runbook,
    sharedWith: sharingKey(others, subject),
    redeploy: shape,
  };
}

/**
 * Every other registry and container group that reads `keyId` (versionless; any version), or null when Resource Graph
 * could not be asked: a one-resource diagnosis uses it to say how far a broken key reaches, never to fail.
 */
export async function keySharers(
  fleet: FleetAzure,
  keyId: string,
  selfId: string,
  options: { abortSignal?: AbortSignal } = {},
): Promise<string[] | null> {
  try {
    const visible = (await fleet.listSubscriptions(options)).map((s) => s.subscriptionId);
    if (visible.length === 0) return null;
    const inventory = await fleet.inventory(visible, options);
    const subjects = [
      ...inventory.registries.map(registrySubject),
      ...inventory.containerGroups.map(containerGroupSubject),
    ];
    const key = keyId.toLowerCase().replace(/\/+$/, "");
    return subjects
      .filter((s) => s.keyId?.toLowerCase() === key && s.id.toLowerCase() !== selfId.toLowerCase())
      .map((s) => s.id);
  } catch {
    return null;
  }
}

export function renderContainerGroupText(report: ContainerGroupReport): string {
  const g = report.containerGroup;
  const lines = [
    `${g.name} (container group, resource group ${g.resourceGroup}, subscription ${g.subscriptionId})`,
    `CMK ${g.encryption.vaultBaseUrl.replace(/\/+$/, "")}/keys/${g.encryption.keyName}/${g.encryption.keyVersion} · identity ${g.encryption.identity ?? "ACI service principal"}`,
    "",
    report.healthy ? "Healthy: the container group can reach and use its key." : "Problems:",
  ];
  for (const f of report.findings) {
    lines.push(`  [${f.severity}] ${f.id}: ${f.title}`, `      ${f.detail}`);
  }
  if (report.redeploy) lines.push("", `Redeploy with: ${report.redeploy.command}`, `${report.redeploy.file}`);
  else if (report.runbook) {
    const command = report.findings.find((f) => f.runbook === report.runbook && f.command)?.command;
    lines.push(
      "",
      `The fix is the key's: runbook '${report.runbook}' repairs the key this group was deployed with.`,
      ...(command ? [`Run: ${command}`] : []),
    );
  }
  if (report.sharedWith.length > 0) {
    lines.push(
      "",
      `${report.sharedWith.length === 1 ? "1 other resource reads" : `${report.sharedWith.length} other resources read`} the same key:`,
      ...report.sharedWith.slice(0, 20).map((id) => `  ${id}`),
    );
    if (report.sharedWith.length > 20)
      lines.push(`  … and ${report.sharedWith.length - 20} more (acr-cmk scan lists them all)`);
  }
  return lines.join("\n") + "\n";
}
