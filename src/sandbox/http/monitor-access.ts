// A monitoring read the operator has no role for, as Azure refuses it: Resource Manager's AuthorizationFailed naming
// the action (https://learn.microsoft.com/en-us/azure/role-based-access-control/troubleshooting), and Log Analytics'
// InsufficientAccessError (https://learn.microsoft.com/en-us/azure/azure-monitor/logs/api/errors).
import { DEFAULT_ACTOR } from "../change-log.js";
import type { MonitoringRead, World } from "../world.js";
import { ServiceError } from "./problems.js";

const ACTIONS: Record<MonitoringRead, string> = {
  "activity-log": "Microsoft.Insights/eventtypes/values/read",
  "resource-graph": "Microsoft.Resources/subscriptions/resources/read",
  "log-analytics": "Microsoft.OperationalInsights/workspaces/query/read",
  "diagnostic-settings": "Microsoft.Insights/diagnosticSettings/read",
};

export function requireMonitoringRead(world: World, read: MonitoringRead, scope: string): void {
  if (!(world.settings.deniedReads ?? []).includes(read)) return;
  if (read === "log-analytics") {
    throw new ServiceError(
      403,
      "InsufficientAccessError",
      "The provided credentials have insufficient access to perform the requested operation",
    );
  }
  throw new ServiceError(
    403,
    "AuthorizationFailed",
    `The client '${DEFAULT_ACTOR}' with object id '${world.operator.objectId}' does not have authorization to perform action '${ACTIONS[read]}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}
