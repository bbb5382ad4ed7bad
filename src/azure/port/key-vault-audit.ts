// Key Vault's audit events through @azure/monitor-query-logs, as a resource-context query on the vault
// (https://learn.microsoft.com/en-us/azure/azure-monitor/logs/api/azure-resource-queries), in either table a diagnostic
// setting writes to: AzureDiagnostics, whose columns are flattened with type suffixes
// (https://learn.microsoft.com/en-us/azure/key-vault/general/logging), or the resource-specific AZKVAuditLogs, whose
// columns are typed and whose caller is the dynamic Identity column
// (https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/azkvauditlogs).
import { isRestError } from "@azure/core-rest-pipeline";
import { z } from "zod";
import { callAzure, restErrorFacts } from "../errors.js";
import type { AuditTable, KeyVaultAuditInfo, KeyVaultAuditRead, TimelineReads } from "../timeline-types.js";
import { KEY_CHANGE_OPERATIONS } from "../timeline-types.js";
import type { TimelineClients } from "./clients.js";

/** Key operations worth a line: changes, the wraps ACR makes, and the reads the Key Vault logging docs list. */
export const AUDITED_KEY_OPERATIONS = [...KEY_CHANGE_OPERATIONS, "KeyWrap", "KeyUnwrap", "KeyGet", "KeyList"];

export const MAX_AUDIT_ROWS = 500;

const UPN_CLAIM = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn";
const OBJECT_ID_CLAIM = "http://schemas.microsoft.com/identity/claims/objectidentifier";

/**
 * AzureDiagnostics gets a column the first time a record with it arrives (the table is shared by every service in
 * Azure Diagnostics mode: https://learn.microsoft.com/en-us/azure/azure-monitor/reference/tables/azurediagnostics), so a
 * Key Vault column may not exist yet (no user caller yet: no identity_claim_upn_s), and naming it fails the whole query
 * with "Failed to resolve scalar expression". column_ifexists() answers the default instead
 * (https://learn.microsoft.com/en-us/kusto/query/column-ifexists-function).
 */
function ifExists(column: string, fallback: string): string {
  return `${column} = column_ifexists("${column}", ${fallback})`;
}

/** Each table's columns for the fields of KeyVaultAuditInfo (null: that table has no such column). */
const COLUMNS: Record<AuditTable, { where: string; project: string[] }> = {
  AzureDiagnostics: {
    where: `| where ResourceProvider == "MICROSOFT.KEYVAULT" and Category == "AuditEvent"`,
    project: [
      "TimeGenerated",
      "OperationName",
      ifExists("httpStatusCode_d", "real(null)"),
      "ResultSignature",
      "ResultDescription",
      "CallerIPAddress",
      ifExists("identity_claim_upn_s", '""'),
      ifExists("identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g", "guid(null)"),
      ifExists("identity_claim_appid_g", "guid(null)"),
      ifExists("clientInfo_s", '""'),
      ifExists("id_s", '""'),
      "CorrelationId",
    ],
  },
  // Only Key Vault writes this table, so no provider or category filter.
  AZKVAuditLogs: {
    where: "",
    project: [
      "TimeGenerated",
      "OperationName",
      "HttpStatusCode",
      "ResultSignature",
      "ResultDescription",
      "CallerIpAddress",
      "Identity",
      "ClientInfo",
      "Id",
      "CorrelationId",
    ],
  },
};

export function auditQuery(table: AuditTable): string {
  const operations = AUDITED_KEY_OPERATIONS.map((o) => `"${o}"`).join(", ");
  const { where, project } = COLUMNS[table];
  return [
    table,
    ...(where ? [where] : []),
    `| where OperationName in (${operations})`,
    `| project ${project.join(", ")}`,
    "| order by TimeGenerated desc",
    `| take ${MAX_AUDIT_ROWS}`,
  ].join("\n");
}

const tableSchema = z.object({
  columnDescriptors: z.array(z.object({ name: z.string() }).loose()),
  rows: z.array(z.array(z.unknown())),
});

const identitySchema = z.object({ claim: z.record(z.string(), z.unknown()).default({}) }).loose();

const text = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);

/** The claims of the Identity column: the SDK parses dynamic cells, but an unparsed JSON string is read too. */
function claimsOf(value: unknown): Record<string, unknown> {
  let parsed: unknown = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value) as unknown;
    } catch {
      return {};
    }
  }
  const identity = identitySchema.safeParse(parsed);
  return identity.success ? identity.data.claim : {};
}

type Cell = (name: string) => unknown;

function fieldsOf(table: AuditTable, cell: Cell) {
  if (table === "AZKVAuditLogs") {
    const claims = claimsOf(cell("Identity"));
    return {
      status: cell("HttpStatusCode"),
      callerIp: cell("CallerIpAddress"),
      upn: claims[UPN_CLAIM],
      objectId: claims[OBJECT_ID_CLAIM],
      appId: claims.appid,
      clientInfo: cell("ClientInfo"),
      keyId: cell("Id"),
    };
  }
  return {
    status: cell("httpStatusCode_d"),
    callerIp: cell("CallerIPAddress"),
    upn: cell("identity_claim_upn_s"),
    objectId: cell("identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g"),
    appId: cell("identity_claim_appid_g"),
    clientInfo: cell("clientInfo_s"),
    keyId: cell("id_s"),
  };
}

function rowsOf(table: AuditTable, data: z.infer<typeof tableSchema>): KeyVaultAuditInfo[] {
  const at = (name: string) => data.columnDescriptors.findIndex((c) => c.name === name);
  return data.rows.flatMap((row): KeyVaultAuditInfo[] => {
    const cell: Cell = (name) => (at(name) >= 0 ? row[at(name)] : undefined);
    const time = cell("TimeGenerated");
    const operation = text(cell("OperationName"));
    const ms = time instanceof Date ? time.getTime() : Date.parse(String(time));
    if (!operation || Number.isNaN(ms)) return [];
    const f = fieldsOf(table, cell);
    const status = Number(f.status);
    return [
      {
        time: new Date(ms).toISOString(),
        operation,
        httpStatus: f.status !== null && f.status !== undefined && Number.isFinite(status) ? status : null,
        resultSignature: text(cell("ResultSignature")),
        resultDescription: text(cell("ResultDescription")),
        callerIp: text(f.callerIp),
        upn: text(f.upn),
        objectId: text(f.objectId),
        appId: text(f.appId),
        clientInfo: text(f.clientInfo),
        keyId: text(f.keyId),
        correlationId: text(cell("CorrelationId")),
      },
    ];
  });
}

/**
 * A table that does not exist in the workspace yet (created with its first row) fails the query with SEM0100,
 * "Failed to resolve table or column expression named '<table>'" (https://learn.microsoft.com/en-us/azure/azure-monitor/logs/api/errors).
 * The code is the same for an unknown column, so the innermost message, which names the table, tells them apart.
 */
function isTableMissing(error: unknown, table: AuditTable): boolean {
  if (!isRestError(error) || error.statusCode !== 400) return false;
  const { innerCode, innerMessage } = restErrorFacts(error);
  return innerCode === "SEM0100" && new RegExp(`expression named '${table}'`, "i").test(innerMessage ?? "");
}

export function keyVaultAuditOperation(load: () => Promise<TimelineClients>): TimelineReads["queryKeyVaultAudit"] {
  return (vaultResourceId, table, window, options) =>
    callAzure(`query the audit events of ${vaultResourceId} (table ${table})`, async (): Promise<KeyVaultAuditRead> => {
      const clients = await load();
      let result;
      try {
        result = await clients.logs.queryResource(
          vaultResourceId,
          auditQuery(table),
          { startTime: window.from, endTime: window.to },
          { abortSignal: options?.abortSignal },
        );
      } catch (error) {
        if (isTableMissing(error, table)) return { table, rows: [], tableMissing: true };
        throw error;
      }
      const tables = result.status === "Success" ? result.tables : result.partialTables;
      const parsed = tableSchema.safeParse(tables[0]);
      return { table, rows: parsed.success ? rowsOf(table, parsed.data) : [], tableMissing: false };
    });
}
