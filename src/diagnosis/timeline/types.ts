// The incident timeline's vocabulary: what changed and what failed, from which source, and which sources could not
// be read and why.
export type TimelineSource = "resource-changes" | "activity-log" | "key-vault-audit";

export interface TimelineEntry {
  id: string;
  /** ISO time. */
  time: string;
  /** Who: a user principal name, an app id, or null when the source does not say. */
  actor: string | null;
  operation: string;
  resourceId: string;
  source: TimelineSource;
  /** One sentence: what changed, or what failed. */
  detail: string;
  /** The client it was made with ("the Azure CLI", "the Azure portal"), when a source says. */
  client: string | null;
  /** Resource Manager's request id, when the Activity Log gives it. */
  requestId: string | null;
}

export interface SourceStatus {
  source: TimelineSource | "diagnostic-settings";
  read: boolean;
  /** Why it was not read (not allowed, no audit logs, nothing to read). */
  reason?: string;
  /** The built-in role that would let the identity read it. */
  role?: string;
  /** Key Vault audit events: the Log Analytics tables the events came from (AzureDiagnostics, AZKVAuditLogs). */
  tables?: string[];
  /** Read, with a caveat (a table not created yet, one of two tables refused). */
  note?: string;
}

/** When the registry's own key unwraps started failing, from the vault's audit events. */
export interface UnwrapFailures {
  firstAt: string;
  lastAt: string;
  count: number;
  status: number | null;
  code: string | null;
  callerIp: string | null;
}

export interface Timeline {
  /** Start of the window (ISO). */
  since: string;
  /** Newest first. */
  entries: TimelineEntry[];
  sources: SourceStatus[];
  unwrapFailures: UnwrapFailures | null;
  /** Whether the vault sends its audit events anywhere (null: not known). */
  auditLogs: boolean | null;
  /** Calls made and the sequential round trips they added after the vault was known. */
  calls: number;
}
