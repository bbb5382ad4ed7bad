// The reads behind the incident timeline, in our own plain types: Resource Graph's resource changes, the Activity Log,
// a resource's diagnostic settings and Key Vault's audit events in Log Analytics.
import type { CallOptions } from "./types.js";

/** Key Vault audit operations that change a key (https://learn.microsoft.com/en-us/azure/key-vault/general/logging). */
export const KEY_CHANGE_OPERATIONS = [
  "KeyCreate",
  "KeyImport",
  "KeyUpdate",
  "KeyDelete",
  "KeyPurge",
  "KeyRecover",
  "KeyRestore",
  "KeyRotate",
] as const;

export interface ActivityEventInfo {
  /** eventDataId */
  id: string;
  time: string;
  /** UPN, app id or object id of whoever made the request. */
  caller: string | null;
  /** The RBAC action, e.g. Microsoft.KeyVault/vaults/delete. */
  operation: string;
  resourceId: string;
  status: string | null;
  correlationId: string | null;
  /** Resource Manager's request id (properties.serviceRequestId). */
  requestId: string | null;
  clientIp: string | null;
}

export interface ResourceChangeInfo {
  id: string;
  time: string;
  changedBy: string | null;
  /** As Resource Graph spells it: "Azure Portal", "Azure CLI", ... */
  clientType: string | null;
  operation: string | null;
  resourceId: string;
  changeType: string;
  changes: Record<string, { previousValue: unknown; newValue: unknown }>;
  correlationId: string | null;
}

export interface DiagnosticSettingInfo {
  name: string;
  workspaceId?: string;
  storageAccountId?: string;
  eventHubAuthorizationRuleId?: string;
  logs: Array<{ category?: string; categoryGroup?: string; enabled: boolean }>;
  /** "Dedicated": the workspace gets the rows in the resource-specific table; absent: AzureDiagnostics. */
  logAnalyticsDestinationType?: string;
}

/**
 * Where Log Analytics keeps a vault's audit events: AzureDiagnostics, or AZKVAuditLogs when the diagnostic setting's
 * logAnalyticsDestinationType is "Dedicated" (https://learn.microsoft.com/en-us/azure/azure-monitor/essentials/resource-logs#resource-specific).
 */
export type AuditTable = "AzureDiagnostics" | "AZKVAuditLogs";

export const AUDIT_TABLES: readonly AuditTable[] = ["AzureDiagnostics", "AZKVAuditLogs"];

export interface KeyVaultAuditRead {
  table: AuditTable;
  /** Newest first. */
  rows: KeyVaultAuditInfo[];
  /** The workspace has no such table yet: nothing was ever written to it (a new setting, or none sends there). */
  tableMissing: boolean;
}

export interface KeyVaultAuditInfo {
  time: string;
  operation: string;
  httpStatus: number | null;
  resultSignature: string | null;
  /** The refusal's error code, when Key Vault gives one. */
  resultDescription: string | null;
  callerIp: string | null;
  upn: string | null;
  objectId: string | null;
  appId: string | null;
  clientInfo: string | null;
  keyId: string | null;
  correlationId: string | null;
}

export interface TimelineWindow {
  from: Date;
  to: Date;
}

export interface TimelineReads {
  /** Loads the timeline's clients ahead of their first read (diagnose calls it as it starts). */
  prepareTimeline(): Promise<void>;
  /** Administrative events of one resource group in the window, newest first. */
  listActivityLog(resourceGroup: string, window: TimelineWindow, options?: CallOptions): Promise<ActivityEventInfo[]>;
  /** Resource Graph changes to these resources (or any vault of this name), newest first. */
  listResourceChanges(
    target: { resourceIds: string[]; vaultName?: string },
    window: TimelineWindow,
    options?: CallOptions,
  ): Promise<ResourceChangeInfo[]>;
  listDiagnosticSettings(resourceId: string, options?: CallOptions): Promise<DiagnosticSettingInfo[]>;
  /** The vault's key operations in one table of its audit events (resource-context query), newest first. */
  queryKeyVaultAudit(
    vaultResourceId: string,
    table: AuditTable,
    window: TimelineWindow,
    options?: CallOptions,
  ): Promise<KeyVaultAuditRead>;
}
