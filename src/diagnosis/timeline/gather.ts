// Reads the timeline's sources in parallel, once the registry and its vault are known: Resource Graph's resource
// changes, the Activity Log of the registry's and the vault's resource groups, the vault's diagnostic settings and its
// audit events (in whichever Log Analytics table the settings send them to). A source that fails is a note in the timeline (which one, why, the role that would allow it), never
// a failure of the diagnosis.
import { isAzureFailure, type CallOptions, type CmkAzure } from "../../azure/types.js";
import {
  AUDIT_TABLES,
  type ActivityEventInfo,
  type DiagnosticSettingInfo,
  type KeyVaultAuditInfo,
  type ResourceChangeInfo,
  type TimelineWindow,
} from "../../azure/timeline-types.js";
import { auditOutcome, type AuditAnswer } from "./audit-read.js";
import type { SourceStatus } from "./types.js";

export interface TimelineTarget {
  registryId: string;
  registryResourceGroup: string;
  /** Resource ids of the registry's user-assigned identities. */
  identityIds: string[];
  vaultName?: string;
  /** Known once the vault (live or deleted) was found. */
  vaultId?: string;
  vaultResourceGroup?: string;
}

export interface GatheredSources {
  changes: ResourceChangeInfo[];
  activity: ActivityEventInfo[];
  settings: DiagnosticSettingInfo[] | null;
  audit: KeyVaultAuditInfo[];
  statuses: SourceStatus[];
  calls: number;
}

/** Built-in roles that grant each read (https://learn.microsoft.com/en-us/azure/role-based-access-control/built-in-roles). */
export const SOURCE_ROLES: Record<SourceStatus["source"], string> = {
  "resource-changes": "Reader on the subscription (Resource Graph shows only what the identity may read)",
  "activity-log": "Monitoring Reader (or Reader) on the resource group",
  "key-vault-audit": "Log Analytics Reader on the workspace, or Reader on the vault (resource-context log access)",
  "diagnostic-settings": "Monitoring Reader (or Reader) on the vault",
};

function refusal(source: SourceStatus["source"], error: unknown): SourceStatus {
  if (isAzureFailure(error)) {
    const status = (error.details as { statusCode?: number }).statusCode;
    if (status === 401 || status === 403 || error.kind === "authorization-failed") {
      return { source, read: false, reason: "the identity may not read it", role: SOURCE_ROLES[source] };
    }
    return { source, read: false, reason: error.message };
  }
  return { source, read: false, reason: error instanceof Error ? error.message : String(error) };
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === "AbortError";
}

/** Every source's read, in one wave; `calls` counts the requests. */
export async function gatherSources(
  azure: CmkAzure,
  target: TimelineTarget,
  window: TimelineWindow,
  options: CallOptions = {},
): Promise<GatheredSources> {
  const statuses: SourceStatus[] = [];
  let calls = 0;
  const attempt = async <T>(source: SourceStatus["source"], run: () => Promise<T>): Promise<T | null> => {
    calls++;
    try {
      return await run();
    } catch (error) {
      if (isAbort(error)) throw error;
      statuses.push(refusal(source, error));
      return null;
    }
  };

  const groups = [
    ...new Set([target.registryResourceGroup, target.vaultResourceGroup].filter((g): g is string => !!g)),
  ];
  const changes = attempt("resource-changes", () =>
    azure.listResourceChanges(
      {
        resourceIds: [target.registryId, ...target.identityIds],
        ...(target.vaultName ? { vaultName: target.vaultName } : {}),
      },
      window,
      options,
    ),
  );
  const activity = Promise.all(
    groups.map((group) => attempt("activity-log", () => azure.listActivityLog(group, window, options))),
  );
  const settings = target.vaultId
    ? attempt("diagnostic-settings", () => azure.listDiagnosticSettings(target.vaultId as string, options))
    : Promise.resolve(null);
  // Both tables at once, beside the settings that say which one counts (audit-read.ts).
  const vaultId = target.vaultId;
  const audit = vaultId
    ? Promise.all(
        AUDIT_TABLES.map(async (table): Promise<AuditAnswer> => {
          calls++;
          try {
            return { table, read: await azure.queryKeyVaultAudit(vaultId, table, window, options) };
          } catch (error) {
            if (isAbort(error)) throw error;
            return { table, error: refusal("key-vault-audit", error) };
          }
        }),
      )
    : Promise.resolve(null);

  const [changesRead, activityRead, settingsRead, answers] = await Promise.all([changes, activity, settings, audit]);
  // One note per source, even when two resource groups were refused.
  const unique = statuses.filter((s, i) => statuses.findIndex((o) => o.source === s.source) === i);
  const outcome = answers
    ? auditOutcome(settingsRead, answers)
    : {
        rows: [],
        status: {
          source: "key-vault-audit" as const,
          read: false,
          reason: "the vault was not found, so neither were its audit events",
        },
      };
  unique.push(outcome.status);
  return {
    changes: changesRead ?? [],
    activity: activityRead.flatMap((a) => a ?? []),
    settings: settingsRead,
    audit: outcome.rows,
    statuses: unique,
    calls,
  };
}
