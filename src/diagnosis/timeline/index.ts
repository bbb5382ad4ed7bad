// The incident timeline of one registry: what changed around it in the window and when its key unwraps started
// failing, joined to the diagnosis' findings. It never fails the diagnosis: an unreadable source is a note.
import type { CmkAzure, RegistryInfo } from "../../azure/types.js";
import type { Finding } from "../types.js";
import { auditLogsOffFinding, causeOf, causeSentence, sendsAuditEvents, type CauseContext } from "./causes.js";
import { buildEntries, unwrapFailuresOf } from "./entries.js";
import { gatherSources, type TimelineTarget } from "./gather.js";
import type { SourceStatus, Timeline } from "./types.js";

export type { SourceStatus, Timeline, TimelineEntry, TimelineSource, UnwrapFailures } from "./types.js";
export { causeSentence } from "./causes.js";

export const DEFAULT_TIMELINE_MS = 24 * 60 * 60 * 1000;

/** The vault a registry's key lives in, once the probe knows it (null: none found, or no CMK). */
export interface VaultResolution {
  registry: RegistryInfo;
  vault: { id: string; name: string; resourceGroup: string } | null;
  vaultName?: string;
  keyName?: string;
}

/** The principals the registry's key calls run as: its identities' object and client ids. */
function registryPrincipals(registry: RegistryInfo): string[] {
  const ids = [
    registry.identity.principalId,
    registry.encryption.identity,
    ...registry.identity.userAssigned.flatMap((u) => [u.principalId, u.clientId]),
  ];
  return ids.filter((v): v is string => !!v && v.toLowerCase() !== "system").map((v) => v.toLowerCase());
}

export interface TimelineResult {
  timeline: Timeline;
  /** AUDIT_LOGS_OFF when the vault's diagnostic settings were read and send no audit events. */
  findings: Finding[];
  context: CauseContext;
}

export async function buildTimeline(
  azure: CmkAzure,
  resolution: VaultResolution,
  options: { now: Date; sinceMs?: number; abortSignal?: AbortSignal },
): Promise<TimelineResult> {
  const { registry, vault } = resolution;
  const from = new Date(options.now.getTime() - (options.sinceMs ?? DEFAULT_TIMELINE_MS));
  // A minute of slack past now: the sources' clocks and ours are not the same clock.
  const window = { from, to: new Date(options.now.getTime() + 60_000) };
  const target: TimelineTarget = {
    registryId: registry.id,
    registryResourceGroup: registry.resourceGroup,
    identityIds: registry.identity.userAssigned.map((u) => u.id),
    ...(resolution.vaultName ? { vaultName: resolution.vaultName } : {}),
    ...(vault ? { vaultId: vault.id, vaultResourceGroup: vault.resourceGroup } : {}),
  };
  const sources = await gatherSources(
    azure,
    target,
    window,
    options.abortSignal ? { abortSignal: options.abortSignal } : {},
  );
  const principals = registryPrincipals(registry);
  const entries = buildEntries(sources.changes, sources.activity, sources.audit, vault?.id ?? "", principals);
  const auditLogs = sources.settings === null ? null : sendsAuditEvents(sources.settings);
  const statuses: SourceStatus[] = [...sources.statuses];
  for (const source of ["resource-changes", "activity-log", "key-vault-audit", "diagnostic-settings"] as const) {
    if (!statuses.some((s) => s.source === source)) statuses.push({ source, read: true });
  }
  const findings =
    vault && sources.settings && auditLogs === false
      ? [auditLogsOffFinding(vault.id, vault.name, sources.settings)]
      : [];
  return {
    timeline: {
      since: from.toISOString(),
      entries,
      sources: statuses,
      unwrapFailures: unwrapFailuresOf(sources.audit, principals),
      auditLogs,
      calls: sources.calls,
    },
    findings,
    context: {
      registryId: registry.id,
      ...(resolution.vaultName ? { vaultName: resolution.vaultName } : {}),
      ...(resolution.keyName ? { keyName: resolution.keyName } : {}),
    },
  };
}

/** Each finding the timeline explains gets `causedBy` (the entry id) and `cause` (the sentence). */
export function linkCauses(findings: Finding[], result: TimelineResult): Finding[] {
  return findings.map((finding) => {
    const entry = causeOf(finding, result.timeline.entries, result.context);
    return entry ? { ...finding, causedBy: entry.id, cause: causeSentence(entry) } : finding;
  });
}
