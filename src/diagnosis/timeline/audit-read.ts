// Which Log Analytics table holds the vault's audit events, and what the timeline makes of its reads. A diagnostic
// setting writes to AzureDiagnostics, or to the resource-specific AZKVAuditLogs when its logAnalyticsDestinationType
// is "Dedicated" (https://learn.microsoft.com/en-us/azure/azure-monitor/essentials/resource-logs#resource-specific).
// Both tables are queried alongside the settings, so choosing costs no round trip; the settings then say which
// answers count. A table the settings name but the workspace does not have yet (it appears with its first row) is
// an empty read with a note, not a failure.
import {
  AUDIT_TABLES,
  type AuditTable,
  type DiagnosticSettingInfo,
  type KeyVaultAuditInfo,
  type KeyVaultAuditRead,
} from "../../azure/timeline-types.js";
import { sendsAuditCategory, sendsAuditEvents } from "./causes.js";
import type { SourceStatus } from "./types.js";

/** The tables the settings send audit events to (null: the settings were not read, so any table may hold them). */
export function auditTablesOf(settings: DiagnosticSettingInfo[] | null): AuditTable[] | null {
  if (settings === null) return null;
  const tables = settings
    .filter((s) => s.workspaceId && sendsAuditCategory(s))
    .map((s): AuditTable =>
      s.logAnalyticsDestinationType?.toLowerCase() === "dedicated" ? "AZKVAuditLogs" : "AzureDiagnostics",
    );
  return AUDIT_TABLES.filter((t) => tables.includes(t));
}

export type AuditAnswer = { table: AuditTable } & ({ read: KeyVaultAuditRead } | { error: SourceStatus });

export interface AuditOutcome {
  rows: KeyVaultAuditInfo[];
  status: SourceStatus;
}

/** One table's rows and the other's describe the same event only if a vault switched tables mid-window. */
function merged(reads: KeyVaultAuditRead[]): KeyVaultAuditInfo[] {
  const seen = new Set<string>();
  const out: KeyVaultAuditInfo[] = [];
  for (const row of reads.flatMap((r) => r.rows)) {
    const key = `${row.correlationId ?? ""}|${row.operation}|${row.time}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(row);
  }
  return out.sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
}

/**
 * The rows of every table the vault's events are in (a resource-context query sees this vault's rows only, so a table
 * it wrote to before a switch, or before its audit logs were turned off, still tells its history), and what the
 * settings make of the reads: a table they name that failed or does not exist yet, or no table named at all.
 */
export function auditOutcome(settings: DiagnosticSettingInfo[] | null, answers: AuditAnswer[]): AuditOutcome {
  const source = "key-vault-audit" as const;
  const reads = answers.flatMap((a) => ("read" in a ? [a.read] : []));
  const present = reads.filter((r) => !r.tableMissing);
  const rows = merged(present);
  const tables = present.filter((r) => r.rows.length > 0).map((r) => r.table);
  const named = auditTablesOf(settings);
  const nowhere =
    settings && !sendsAuditEvents(settings)
      ? "the vault sends no audit events anywhere (AUDIT_LOGS_OFF)"
      : named && named.length === 0
        ? "the vault sends its audit events to a storage account or an event hub, not to a Log Analytics workspace, where acr-cmk reads them"
        : null;
  if (nowhere) {
    if (rows.length === 0) return { rows, status: { source, read: false, reason: nowhere } };
    return { rows, status: { source, read: true, tables, note: `${nowhere}: these events are from before` } };
  }
  const counted = answers.filter((a) => !named || named.includes(a.table));
  const failed = counted.flatMap((a) => ("error" in a ? [a.error] : []));
  // Every table that counts failed: say why (the first reason; the same identity asked for both).
  if (failed.length === counted.length && failed[0]) return { rows, status: failed[0] };
  const notes = [
    ...reads
      .filter((r) => r.tableMissing && named?.includes(r.table))
      .map((r) => `table ${r.table} does not exist in the workspace yet (it appears with the first audit event)`),
    ...failed.map((f) => `one table could not be read: ${f.reason ?? "unknown reason"}`),
  ];
  return { rows, status: { source, read: true, tables, ...(notes.length ? { note: notes.join("; ") } : {}) } };
}
