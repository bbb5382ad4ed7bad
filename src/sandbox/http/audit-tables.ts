// Key Vault's audit events as Log Analytics keeps them, in the two tables a diagnostic setting can write to: the shared
// AzureDiagnostics table (flattened columns such as identity_claim_upn_s, httpStatusCode_d;
// https://learn.microsoft.com/en-us/azure/key-vault/general/logging) and the resource-specific AZKVAuditLogs table
// (typed columns, the caller in a dynamic Identity column; https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/azkvauditlogs).
// Columns are a subset of each table's reference, with their Kusto types, in the order a `project`-less query returns.
import type { AuditEventRecord, AuditTable, World } from "../world.js";

type Columns = ReadonlyArray<readonly [name: string, type: string]>;

const AZURE_DIAGNOSTICS: Columns = [
  ["TimeGenerated", "datetime"],
  ["ResourceId", "string"],
  ["Category", "string"],
  ["ResourceProvider", "string"],
  ["ResourceType", "string"],
  ["Resource", "string"],
  ["OperationName", "string"],
  ["ResultType", "string"],
  ["ResultSignature", "string"],
  ["ResultDescription", "string"],
  ["httpStatusCode_d", "real"],
  ["CallerIPAddress", "string"],
  ["identity_claim_upn_s", "string"],
  ["identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g", "guid"],
  ["identity_claim_appid_g", "guid"],
  ["clientInfo_s", "string"],
  ["id_s", "string"],
  ["CorrelationId", "string"],
  ["SubscriptionId", "string"],
];

const AZKV_AUDIT_LOGS: Columns = [
  ["TimeGenerated", "datetime"],
  ["_ResourceId", "string"],
  ["OperationName", "string"],
  ["ResultType", "string"],
  ["ResultSignature", "string"],
  ["ResultDescription", "string"],
  ["HttpStatusCode", "int"],
  ["CallerIpAddress", "string"],
  ["Identity", "dynamic"],
  ["ClientInfo", "string"],
  ["Id", "string"],
  ["CorrelationId", "string"],
  ["DurationMs", "int"],
  ["_SubscriptionId", "string"],
  ["SourceSystem", "string"],
  ["Type", "string"],
];

export const AUDIT_TABLE_COLUMNS: Record<AuditTable, Columns> = {
  AzureDiagnostics: AZURE_DIAGNOSTICS,
  AZKVAuditLogs: AZKV_AUDIT_LOGS,
};

export const AUDIT_TABLES = Object.keys(AUDIT_TABLE_COLUMNS) as AuditTable[];

/**
 * AzureDiagnostics is shared by every service that logs in Azure Diagnostics mode: a column one service's log has is
 * added the first time a record with it arrives (https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/azurediagnostics).
 * Key Vault's own columns exist once some event had a value for them: no user caller yet, no identity_claim_upn_s.
 */
const ARRIVING_COLUMNS: Record<string, (e: AuditEventRecord) => unknown> = {
  httpStatusCode_d: (e) => e.httpStatusCode,
  identity_claim_upn_s: (e) => e.upn,
  identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g: (e) => e.objectId,
  identity_claim_appid_g: (e) => e.appId,
  clientInfo_s: (e) => e.clientInfo,
  id_s: (e) => e.keyId,
};

/** The columns `table` has in a workspace that received `events` into it. */
export function presentColumns(table: AuditTable, events: AuditEventRecord[]): Set<string> {
  const present = (name: string) => {
    const valueOf = table === "AzureDiagnostics" ? ARRIVING_COLUMNS[name] : undefined;
    return !valueOf || events.some((e) => ![undefined, null, ""].includes(valueOf(e) as string));
  };
  return new Set(AUDIT_TABLE_COLUMNS[table].map(([name]) => name).filter(present));
}

export function isAuditTable(name: string): name is AuditTable {
  return (AUDIT_TABLES as string[]).includes(name);
}

const UPN_CLAIM = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn";
const OBJECT_ID_CLAIM = "http://schemas.microsoft.com/identity/claims/objectidentifier";

/** The columns both tables name alike: what was done and how it ended. */
function outcomeOf(e: AuditEventRecord): Record<string, unknown> {
  return {
    OperationName: e.operation,
    ResultType: e.httpStatusCode < 400 ? "Success" : "Failed",
    ResultSignature: e.resultSignature,
    ResultDescription: e.resultDescription ?? "",
    CorrelationId: e.correlationId,
  };
}

function azureDiagnosticsRow(world: World, e: AuditEventRecord): Record<string, unknown> {
  return {
    TimeGenerated: e.time,
    ResourceId: e.vaultId.toUpperCase(),
    Category: "AuditEvent",
    ResourceProvider: "MICROSOFT.KEYVAULT",
    ResourceType: "VAULTS",
    Resource: e.vaultName.toUpperCase(),
    ...outcomeOf(e),
    httpStatusCode_d: e.httpStatusCode,
    CallerIPAddress: e.callerIp,
    identity_claim_upn_s: e.upn ?? "",
    identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g: e.objectId ?? "",
    identity_claim_appid_g: e.appId ?? "",
    clientInfo_s: e.clientInfo,
    id_s: e.keyId,
    SubscriptionId: world.subscriptionId,
  };
}

/** The logging docs' identity shape: {"claim":{objectidentifier, upn, appid}}, only the claims the token had. */
function identityOf(e: AuditEventRecord): Record<string, unknown> {
  const claim: Record<string, string> = {};
  if (e.objectId) claim[OBJECT_ID_CLAIM] = e.objectId;
  if (e.upn) claim[UPN_CLAIM] = e.upn;
  if (e.appId) claim.appid = e.appId;
  return { claim };
}

function azkvAuditLogsRow(world: World, e: AuditEventRecord): Record<string, unknown> {
  return {
    TimeGenerated: e.time,
    _ResourceId: e.vaultId.toLowerCase(),
    ...outcomeOf(e),
    HttpStatusCode: e.httpStatusCode,
    CallerIpAddress: e.callerIp,
    Identity: identityOf(e),
    ClientInfo: e.clientInfo,
    Id: e.keyId,
    DurationMs: 12,
    _SubscriptionId: world.subscriptionId,
    SourceSystem: "Azure",
    Type: "AZKVAuditLogs",
  };
}

export function auditRow(table: AuditTable, world: World, e: AuditEventRecord): Record<string, unknown> {
  return table === "AZKVAuditLogs" ? azkvAuditLogsRow(world, e) : azureDiagnosticsRow(world, e);
}

/** A cell as the query API writes it: dynamic values are JSON text (the SDK parses them back). */
export function wireCell(type: string | undefined, value: unknown): unknown {
  if (value === undefined) return null;
  return type === "dynamic" && value !== null ? JSON.stringify(value) : value;
}
