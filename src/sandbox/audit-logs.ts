// `sandbox init --audit-logs on|dedicated|off`: whether the vaults send their audit events (the AuditEvent category) to
// a Log Analytics workspace, as the docs recommend (https://learn.microsoft.com/en-us/azure/key-vault/general/howto-logging),
// and into which table: `on` writes to the shared AzureDiagnostics table, `dedicated` sets the setting's
// logAnalyticsDestinationType to "Dedicated" so the rows go to the resource-specific AZKVAuditLogs table
// (https://learn.microsoft.com/en-us/azure/azure-monitor/essentials/resource-logs#resource-specific).
import { newGuid } from "./ids.js";
import type { AuditDestination, AuditTable, DiagnosticSettingRecord, VaultRecord, World } from "./world.js";

export const AUDIT_WORKSPACE_NAME = "acr-cmk-logs";
export const AUDIT_SETTING_NAME = "audit-to-acr-cmk-logs";
export const AUDIT_LOGS_MODES = ["on", "dedicated", "off"] as const;
export type AuditLogsMode = (typeof AUDIT_LOGS_MODES)[number];

export function setUpAuditLogs(world: World, mode: AuditLogsMode, resourceGroup: string): void {
  if (mode === "off") return;
  const id = `/subscriptions/${world.subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.OperationalInsights/workspaces/${AUDIT_WORKSPACE_NAME}`;
  world.workspaces = {
    ...world.workspaces,
    [id.toLowerCase()]: { id, name: AUDIT_WORKSPACE_NAME, resourceGroup, customerId: newGuid() },
  };
  for (const vault of Object.values(world.vaults)) {
    vault.diagnosticSettings = [
      {
        name: AUDIT_SETTING_NAME,
        workspaceId: id,
        logs: [{ category: "AuditEvent", enabled: true }],
        ...(mode === "dedicated" ? { logAnalyticsDestinationType: "Dedicated" as const } : {}),
      },
    ];
  }
}

/** Does a setting send the AuditEvent category (by name, or through the audit / allLogs groups)? */
export function sendsAuditCategory(setting: DiagnosticSettingRecord): boolean {
  return setting.logs.some(
    (l) => l.enabled && (l.category === "AuditEvent" || l.categoryGroup === "audit" || l.categoryGroup === "allLogs"),
  );
}

/** The table a setting's rows land in: resource-specific when its destination type is Dedicated. */
export function auditTableOf(setting: DiagnosticSettingRecord): AuditTable {
  return setting.logAnalyticsDestinationType === "Dedicated" ? "AZKVAuditLogs" : "AzureDiagnostics";
}

/** Where an audit event written now goes in Log Analytics: each workspace a setting names, in that setting's table. */
export function auditDestinations(vault: VaultRecord): AuditDestination[] {
  return (vault.diagnosticSettings ?? [])
    .filter((s) => s.workspaceId && sendsAuditCategory(s))
    .map((s) => ({ workspaceId: s.workspaceId as string, table: auditTableOf(s) }));
}
