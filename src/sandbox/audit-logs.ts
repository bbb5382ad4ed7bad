// `sandbox init --audit-logs on|off`: whether the vaults send their audit events (the AuditEvent category) to a Log
// Analytics workspace, as the docs recommend (https://learn.microsoft.com/en-us/azure/key-vault/general/howto-logging).
import { newGuid } from "./ids.js";
import type { World } from "./world.js";

export const AUDIT_WORKSPACE_NAME = "acr-cmk-logs";
export const AUDIT_SETTING_NAME = "audit-to-acr-cmk-logs";

export function setUpAuditLogs(world: World, on: boolean, resourceGroup: string): void {
  if (!on) return;
  const id = `/subscriptions/${world.subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.OperationalInsights/workspaces/${AUDIT_WORKSPACE_NAME}`;
  world.workspaces = {
    ...world.workspaces,
    [id.toLowerCase()]: { id, name: AUDIT_WORKSPACE_NAME, resourceGroup, customerId: newGuid() },
  };
  for (const vault of Object.values(world.vaults)) {
    vault.diagnosticSettings = [
      { name: AUDIT_SETTING_NAME, workspaceId: id, logs: [{ category: "AuditEvent", enabled: true }] },
    ];
  }
}
