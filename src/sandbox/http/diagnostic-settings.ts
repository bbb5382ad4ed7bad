// {vault id}/providers/Microsoft.Insights/diagnosticSettings[/{name}] — where a vault sends its logs
// (https://learn.microsoft.com/en-us/rest/api/monitor/diagnostic-settings). GET lists or reads, PUT creates or
// replaces (what `az monitor diagnostic-settings create` sends), DELETE removes. Only key vaults are modelled.
// logAnalyticsDestinationType "Dedicated" sends the rows to the resource-specific table (AZKVAuditLogs), null to
// AzureDiagnostics (https://learn.microsoft.com/en-us/rest/api/monitor/diagnostic-settings/create-or-update).
import { z } from "zod";
import { readJson, type RouteContext, type RouteResult } from "./context.js";
import { requireMonitoringRead } from "./monitor-access.js";
import { ServiceError } from "./problems.js";
import type { DiagnosticSettingRecord, VaultRecord, World } from "../world.js";

function vaultAt(world: World, scope: string): VaultRecord {
  const vault = Object.values(world.vaults).find((v) => v.id.toLowerCase() === scope.toLowerCase().replace(/\/+$/, ""));
  if (!vault || vault.deleted || vault.purged) {
    throw new ServiceError(
      404,
      "ResourceNotFound",
      `The Resource '${scope}' was not found. The acr-cmk sandbox keeps diagnostic settings for its key vaults only.`,
    );
  }
  return vault;
}

function settingBody(vault: VaultRecord, setting: DiagnosticSettingRecord): Record<string, unknown> {
  return {
    id: `${vault.id}/providers/microsoft.insights/diagnosticSettings/${setting.name}`,
    name: setting.name,
    type: "Microsoft.Insights/diagnosticSettings",
    properties: {
      ...(setting.workspaceId ? { workspaceId: setting.workspaceId } : {}),
      ...(setting.storageAccountId ? { storageAccountId: setting.storageAccountId } : {}),
      ...(setting.eventHubAuthorizationRuleId
        ? { eventHubAuthorizationRuleId: setting.eventHubAuthorizationRuleId }
        : {}),
      logs: setting.logs.map((l) => ({ ...l, retentionPolicy: { enabled: false, days: 0 } })),
      metrics: [],
      logAnalyticsDestinationType: setting.logAnalyticsDestinationType ?? null,
    },
  };
}

const putSchema = z.object({
  properties: z
    .object({
      workspaceId: z.string().optional(),
      storageAccountId: z.string().optional(),
      eventHubAuthorizationRuleId: z.string().optional(),
      logs: z
        .array(
          z
            .object({ category: z.string().optional(), categoryGroup: z.string().optional(), enabled: z.boolean() })
            .loose(),
        )
        .default([]),
      // "Dedicated" or null, per the spec (`az monitor diagnostic-settings create --export-to-resource-specific`).
      logAnalyticsDestinationType: z
        .enum(["Dedicated"], { error: "logAnalyticsDestinationType is 'Dedicated' or null" })
        .nullish(),
    })
    .loose(),
});

export function handleDiagnosticSettings(ctx: RouteContext, scope: string, name: string | undefined): RouteResult {
  if (ctx.method === "GET") {
    const world = ctx.store.read();
    requireMonitoringRead(world, "diagnostic-settings", scope);
    const vault = vaultAt(world, scope);
    const settings = vault.diagnosticSettings ?? [];
    if (name === undefined) return { status: 200, body: { value: settings.map((s) => settingBody(vault, s)) } };
    const found = settings.find((s) => s.name.toLowerCase() === name.toLowerCase());
    if (!found) throw new ServiceError(404, "ResourceNotFound", `The diagnostic setting '${name}' does not exist.`);
    return { status: 200, body: settingBody(vault, found) };
  }
  if (name === undefined)
    throw new ServiceError(
      405,
      "MethodNotAllowed",
      `The requested resource does not support http method '${ctx.method}'.`,
    );
  if (ctx.method === "PUT") {
    const { properties } = readJson(ctx, putSchema, "arm");
    if (!properties.workspaceId && !properties.storageAccountId && !properties.eventHubAuthorizationRuleId) {
      throw new ServiceError(
        400,
        "BadRequest",
        "A diagnostic setting needs a destination: a Log Analytics workspace, a storage account or an event hub.",
      );
    }
    return ctx.store.update((world) => {
      const vault = vaultAt(world, scope);
      const setting: DiagnosticSettingRecord = {
        name,
        ...(properties.workspaceId ? { workspaceId: properties.workspaceId } : {}),
        ...(properties.storageAccountId ? { storageAccountId: properties.storageAccountId } : {}),
        ...(properties.eventHubAuthorizationRuleId
          ? { eventHubAuthorizationRuleId: properties.eventHubAuthorizationRuleId }
          : {}),
        logs: properties.logs.map((l) => ({
          ...(l.category ? { category: l.category } : {}),
          ...(l.categoryGroup ? { categoryGroup: l.categoryGroup } : {}),
          enabled: l.enabled,
        })),
        ...(properties.logAnalyticsDestinationType === "Dedicated"
          ? { logAnalyticsDestinationType: "Dedicated" as const }
          : {}),
      };
      const others = (vault.diagnosticSettings ?? []).filter((s) => s.name.toLowerCase() !== name.toLowerCase());
      vault.diagnosticSettings = [...others, setting];
      return { status: 200, body: settingBody(vault, setting) };
    });
  }
  if (ctx.method === "DELETE") {
    return ctx.store.update((world) => {
      const vault = vaultAt(world, scope);
      const before = vault.diagnosticSettings?.length ?? 0;
      vault.diagnosticSettings = (vault.diagnosticSettings ?? []).filter(
        (s) => s.name.toLowerCase() !== name.toLowerCase(),
      );
      return { status: before === vault.diagnosticSettings.length ? 204 : 200 };
    });
  }
  throw new ServiceError(
    405,
    "MethodNotAllowed",
    `The requested resource does not support http method '${ctx.method}'.`,
  );
}
