// Resource Graph's `resourcechanges` table: one row per Resource Manager change the sandbox recorded, with who made
// it and with what client (changeAttributes.changedBy, clientType) and the property paths it changed
// (https://learn.microsoft.com/en-us/azure/governance/resource-graph/changes/get-resource-changes). Role assignments
// and diagnostic settings are not tracked there (they live in the Activity Log), nor are data-plane changes such as
// key deletions.
import type { ChangeClient, ChangeRecord, World } from "../world.js";

/** clientType as the change history spells it ("Azure Portal" is the documented example). */
const CLIENT_TYPE: Record<ChangeClient, string> = {
  portal: "Azure Portal",
  cli: "Azure CLI",
  template: "ARM Template",
  sdk: "Azure SDK",
  powershell: "Azure PowerShell",
  unknown: "Unspecified",
};

function tracked(change: ChangeRecord): boolean {
  return change.plane === "arm" && !/^Microsoft\.(Authorization|Insights)\//i.test(change.operation);
}

function targetType(resourceId: string): string {
  const m = /\/providers\/(.+)$/i.exec(resourceId);
  if (!m) return "";
  const parts = (m[1] as string).split("/");
  return [parts[0], ...parts.slice(1).filter((_, i) => i % 2 === 0)].join("/").toLowerCase();
}

export function resourceChangeRows(world: World): Array<Record<string, unknown>> {
  return (world.changes ?? []).filter(tracked).map((change) => {
    const changes = Object.fromEntries(
      Object.entries(change.properties).map(([path, { previousValue, newValue }]) => [
        path,
        {
          previousValue,
          newValue,
          changeCategory: "User",
          propertyChangeType:
            change.changeType === "Update" ? "Update" : change.changeType === "Create" ? "Insert" : "Remove",
        },
      ]),
    );
    return {
      id: `${change.resourceId}/providers/Microsoft.Resources/changes/${change.id}`,
      name: change.id,
      type: "microsoft.resources/changes",
      tenantId: world.tenantId,
      kind: "",
      location: "",
      resourceGroup: (/\/resourceGroups\/([^/]+)/i.exec(change.resourceId)?.[1] ?? "").toLowerCase(),
      subscriptionId: world.subscriptionId,
      properties: {
        targetResourceId: change.resourceId,
        targetResourceType: targetType(change.resourceId),
        changeType: change.changeType,
        changeAttributes: {
          timestamp: change.time,
          correlationId: change.id,
          changedByType: change.actor.includes("@") ? "User" : "AppId",
          changesCount: Object.keys(changes).length,
          clientType: CLIENT_TYPE[change.client],
          changedBy: change.actor,
          operation: change.operation,
          previousResourceSnapshotId: null,
          newResourceSnapshotId: null,
        },
        changes,
      },
    };
  });
}
