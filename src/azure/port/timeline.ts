// The timeline's reads: the Activity Log and diagnostic settings through @azure/arm-monitor, resource changes through
// @azure/arm-resourcegraph (the `resourcechanges` table), Key Vault audit events through @azure/monitor-query-logs
// (a resource-context query on the vault: https://learn.microsoft.com/en-us/azure/azure-monitor/logs/api/azure-resource-queries).
import { z } from "zod";
import { callAzure } from "../errors.js";
import type {
  ActivityEventInfo,
  DiagnosticSettingInfo,
  ResourceChangeInfo,
  TimelineReads,
} from "../timeline-types.js";
import type { SdkClients, TimelineClients } from "./clients.js";
import { keyVaultAuditOperation } from "./key-vault-audit.js";

const MAX_ROWS = 500;

/** A value inside a single-quoted KQL or OData string literal: ids never carry quotes; refuse rather than inject. */
function quoted(value: string): string {
  if (/['\\\r\n]/.test(value)) throw new RangeError(`'${value}' cannot be used in a query`);
  return `'${value}'`;
}

const changeRow = z.object({
  name: z.string().optional(),
  properties: z
    .object({
      targetResourceId: z.string(),
      changeType: z.string().default("Update"),
      changeAttributes: z
        .object({
          timestamp: z.string(),
          changedBy: z.string().nullish(),
          clientType: z.string().nullish(),
          operation: z.string().nullish(),
          correlationId: z.string().nullish(),
        })
        .loose(),
      changes: z
        .record(z.string(), z.object({ previousValue: z.unknown(), newValue: z.unknown() }).loose())
        .default({}),
    })
    .loose(),
});

const text = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);

export function timelineOperations(shared: SdkClients): TimelineReads {
  const load = (): Promise<TimelineClients> => shared.timelineClients();
  return {
    async prepareTimeline() {
      await load();
    },
    async listActivityLog(resourceGroup, window, options) {
      const filter = [
        `eventTimestamp ge ${quoted(window.from.toISOString())}`,
        `eventTimestamp le ${quoted(window.to.toISOString())}`,
        `resourceGroupName eq ${quoted(resourceGroup)}`,
      ].join(" and ");
      return callAzure(`read the Activity Log of resource group ${resourceGroup}`, async () => {
        const clients = await load();
        const out: ActivityEventInfo[] = [];
        for await (const e of clients.monitor.activityLogs.list(filter, { abortSignal: options?.abortSignal })) {
          if (!e.eventTimestamp || !e.operationName?.value || !e.resourceId) continue;
          const props = (e.properties ?? {}) as Record<string, unknown>;
          out.push({
            id: e.eventDataId ?? e.id ?? `${e.correlationId}`,
            time: new Date(e.eventTimestamp).toISOString(),
            caller: text(e.caller),
            operation: e.operationName.value,
            resourceId: e.resourceId,
            status: e.status?.value ?? null,
            correlationId: text(e.correlationId),
            requestId: text(props.serviceRequestId),
            clientIp: text(e.httpRequest?.clientIpAddress),
          });
          if (out.length >= MAX_ROWS) break;
        }
        return out.sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
      });
    },

    async listResourceChanges(target, window, options) {
      const ids = target.resourceIds.map(quoted).join(", ");
      const clauses = [`properties.targetResourceId in~ (${ids || "''"})`];
      if (target.vaultName) {
        const vault = target.vaultName.toLowerCase();
        clauses.push(
          `properties.targetResourceId endswith ${quoted(`/vaults/${vault}`)}`,
          `properties.targetResourceId endswith ${quoted(`/deletedvaults/${vault}`)}`,
        );
      }
      const query = [
        "resourcechanges",
        `| extend changeTime = todatetime(properties.changeAttributes.timestamp)`,
        `| where changeTime >= datetime(${window.from.toISOString()}) and changeTime <= datetime(${window.to.toISOString()})`,
        `| where ${clauses.join(" or ")}`,
        "| order by changeTime desc",
        `| take ${MAX_ROWS}`,
      ].join("\n");
      return callAzure("read resource changes from Resource Graph", async () => {
        const clients = await load();
        const response = await clients.resourceGraph.resources(
          { subscriptions: [clients.subscriptionId], query, options: { resultFormat: "objectArray", top: MAX_ROWS } },
          { abortSignal: options?.abortSignal },
        );
        const rows = Array.isArray(response.data) ? response.data : [];
        const out: ResourceChangeInfo[] = [];
        for (const raw of rows) {
          const parsed = changeRow.safeParse(raw);
          if (!parsed.success) continue;
          const { properties: p } = parsed.data;
          const a = p.changeAttributes;
          out.push({
            id: parsed.data.name ?? a.correlationId ?? `${p.targetResourceId}@${a.timestamp}`,
            time: new Date(a.timestamp).toISOString(),
            changedBy: text(a.changedBy),
            clientType: text(a.clientType),
            operation: text(a.operation),
            resourceId: p.targetResourceId,
            changeType: p.changeType,
            changes: Object.fromEntries(
              Object.entries(p.changes).map(([k, v]) => [k, { previousValue: v.previousValue, newValue: v.newValue }]),
            ),
            correlationId: text(a.correlationId),
          });
        }
        return out;
      });
    },

    async listDiagnosticSettings(resourceId, options) {
      return callAzure(`read the diagnostic settings of ${resourceId}`, async () => {
        const clients = await load();
        const out: DiagnosticSettingInfo[] = [];
        for await (const s of clients.monitor.diagnosticSettings.list(resourceId, {
          abortSignal: options?.abortSignal,
        })) {
          out.push({
            name: s.name ?? "",
            ...(s.workspaceId ? { workspaceId: s.workspaceId } : {}),
            ...(s.storageAccountId ? { storageAccountId: s.storageAccountId } : {}),
            ...(s.eventHubAuthorizationRuleId ? { eventHubAuthorizationRuleId: s.eventHubAuthorizationRuleId } : {}),
            logs: (s.logs ?? []).map((l) => ({
              ...(l.category ? { category: l.category } : {}),
              ...(l.categoryGroup ? { categoryGroup: l.categoryGroup } : {}),
              enabled: l.enabled,
            })),
            ...(s.logAnalyticsDestinationType ? { logAnalyticsDestinationType: s.logAnalyticsDestinationType } : {}),
          });
        }
        return out;
      });
    },

    queryKeyVaultAudit: keyVaultAuditOperation(load),
  };
}
