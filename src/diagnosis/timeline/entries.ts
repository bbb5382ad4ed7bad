// Source rows → timeline entries: one sentence per change, newest first. A change that both Resource Graph and the
// Activity Log know (the same correlation id) is one entry, with the client from the first and the request id from
// the second. The registry's failing unwraps become one entry: when they started, how, and from where.
import {
  KEY_CHANGE_OPERATIONS,
  type ActivityEventInfo,
  type KeyVaultAuditInfo,
  type ResourceChangeInfo,
} from "../../azure/timeline-types.js";
import type { TimelineEntry, UnwrapFailures } from "./types.js";

/** Resource Graph's clientType, as a sentence ends: "… with the Azure CLI". */
const CLIENT_TYPES: Array<[RegExp, string]> = [
  [/portal/i, "the Azure portal"],
  [/cli/i, "the Azure CLI"],
  [/template|deployment/i, "an ARM template"],
  [/powershell/i, "Azure PowerShell"],
  [/sdk/i, "an Azure SDK"],
];

/** Key Vault's clientInfo is the caller's User-Agent. */
const USER_AGENTS: Array<[RegExp, string]> = [
  [/AZURECLI\//i, "the Azure CLI"],
  [/PowerShell/i, "Azure PowerShell"],
  [/^Mozilla\//i, "the Azure portal"],
  [/template deployment/i, "an ARM template"],
  [/azsdk-|azure-sdk/i, "an Azure SDK"],
];

function clientFrom(text: string | null, table: Array<[RegExp, string]>): string | null {
  if (!text) return null;
  return table.find(([re]) => re.test(text))?.[1] ?? null;
}

const lastSegment = (id: string) => id.split("/").filter(Boolean).pop() ?? id;

/** vault and key names of a key id (https://<vault>.vault.azure.net/keys/<name>[/<version>]). */
export function keyIdParts(keyId: string): { vault: string; key: string; version?: string } | null {
  const m = /^https:\/\/([^./]+)\.[^/]+\/keys\/([^/]+)(?:\/([^/?]+))?/i.exec(keyId);
  if (!m) return null;
  return {
    vault: (m[1] as string).toLowerCase(),
    key: (m[2] as string).toLowerCase(),
    ...(m[3] ? { version: m[3] } : {}),
  };
}

const show = (v: unknown) => (Array.isArray(v) ? `[${v.length}]` : v === null || v === undefined ? "none" : String(v));

function describeProperties(changes: ResourceChangeInfo["changes"]): string {
  const parts: string[] = [];
  for (const [path, { previousValue, newValue }] of Object.entries(changes)) {
    const name = path.replace(/^properties\./, "");
    if (path === "identity.userAssignedIdentities" && Array.isArray(previousValue) && Array.isArray(newValue)) {
      const removed = previousValue.filter((v) => !newValue.includes(v)).map((v) => lastSegment(String(v)));
      const added = newValue.filter((v) => !previousValue.includes(v)).map((v) => lastSegment(String(v)));
      if (removed.length) parts.push(`user-assigned identity ${removed.join(", ")} removed`);
      if (added.length) parts.push(`user-assigned identity ${added.join(", ")} assigned`);
    } else if (path === "properties.accessPolicies" && Array.isArray(previousValue) && Array.isArray(newValue)) {
      const ids = (list: unknown[]) => list.map((p) => String((p as { objectId?: unknown }).objectId ?? ""));
      const removed = ids(previousValue).filter((id) => !ids(newValue).includes(id));
      const added = ids(newValue).filter((id) => !ids(previousValue).includes(id));
      if (removed.length) parts.push(`access policy of principal ${removed.join(", ")} removed`);
      if (added.length) parts.push(`access policy for principal ${added.join(", ")} added`);
      if (!removed.length && !added.length) parts.push("access policy permissions changed");
    } else {
      parts.push(`${name} ${show(previousValue)} → ${show(newValue)}`);
    }
  }
  return parts.join(", ");
}

const RESOURCE_KINDS: Record<string, string> = {
  vaults: "vault",
  registries: "registry",
  userassignedidentities: "managed identity",
  roleassignments: "role assignment",
};

/** What an Azure operation did, in words, naming the resource. */
export function describeOperation(
  operation: string,
  resourceId: string,
  changes: ResourceChangeInfo["changes"] = {},
): string {
  const key = keyIdParts(resourceId);
  const keyName = key ? `key ${key.key}${key.version ? ` (version ${key.version.slice(0, 8)})` : ""}` : "";
  const byKeyOperation: Record<string, string> = {
    KeyDelete: `${keyName} deleted`,
    KeyPurge: `${keyName} purged`,
    KeyUpdate: `${keyName} updated (enabled, expiry or activation date)`,
    KeyCreate: key?.version ? `new version of key ${key.key} created` : `${keyName} created`,
    KeyImport: `${keyName} imported`,
    KeyRecover: `${keyName} recovered`,
    KeyRestore: `${keyName} restored from a backup`,
    KeyRotate: `${keyName} rotated`,
  };
  if (key && byKeyOperation[operation]) return byKeyOperation[operation];
  const name = lastSegment(resourceId);
  const op = operation.toLowerCase();
  const values = Object.values(changes);
  // Every property new: the resource was created (or, for a vault, recovered), not edited.
  if (values.length > 0 && values.every((v) => v.previousValue === null || v.previousValue === undefined)) {
    const kind = RESOURCE_KINDS[op.split("/").slice(-2, -1)[0] ?? ""] ?? "resource";
    return `${kind} ${name} created or recovered`;
  }
  const what = values.length ? `: ${describeProperties(changes)}` : "";
  if (op === "microsoft.keyvault/vaults/delete") return `vault ${name} deleted`;
  if (op === "microsoft.keyvault/locations/deletedvaults/purge/action") return `deleted vault ${name} purged`;
  if (op === "microsoft.keyvault/vaults/accesspolicies/write") return `access policies of vault ${name} changed${what}`;
  if (op === "microsoft.keyvault/vaults/write") return `vault ${name} changed${what}`;
  if (op === "microsoft.authorization/roleassignments/delete") {
    return `role assignment ${name} removed from ${resourceId.split("/providers/Microsoft.Authorization")[0]?.split("/").pop() ?? "its scope"}`;
  }
  if (op === "microsoft.authorization/roleassignments/write") return `role assignment ${name} created`;
  if (op === "microsoft.containerregistry/registries/write") return `registry ${name} changed${what}`;
  if (op === "microsoft.containerregistry/registries/delete") return `registry ${name} deleted`;
  if (op === "microsoft.managedidentity/userassignedidentities/delete") return `managed identity ${name} deleted`;
  if (op.startsWith("microsoft.insights/diagnosticsettings/")) {
    const of = /\/vaults\/([^/]+)\/providers\//i.exec(resourceId)?.[1];
    const setting = `diagnostic setting ${name}${of ? ` of vault ${of}` : ""}`;
    if (op.endsWith("/delete")) return `${setting} deleted: the logs it sent stop there`;
    if (op.endsWith("/write")) return `${setting} created or changed${what}`;
  }
  return `${operation} on ${name}${what}`;
}

function entryFromChange(change: ResourceChangeInfo): TimelineEntry {
  const operation = change.operation ?? `${change.changeType}`;
  return {
    id: `resource-changes/${change.id}`,
    time: change.time,
    actor: change.changedBy,
    operation,
    resourceId: change.resourceId,
    source: "resource-changes",
    detail: describeOperation(operation, change.resourceId, change.changes),
    client: clientFrom(change.clientType, CLIENT_TYPES),
    requestId: null,
  };
}

function entryFromActivity(event: ActivityEventInfo): TimelineEntry {
  return {
    id: `activity-log/${event.id}`,
    time: event.time,
    actor: event.caller,
    operation: event.operation,
    resourceId: event.resourceId,
    source: "activity-log",
    detail: describeOperation(event.operation, event.resourceId),
    client: null,
    requestId: event.requestId,
  };
}

/** Operations on the key that change it (the wraps and reads are not changes). */
const KEY_CHANGES: ReadonlySet<string> = new Set(KEY_CHANGE_OPERATIONS);

function entryFromAudit(row: KeyVaultAuditInfo, vaultId: string): TimelineEntry {
  const resourceId = row.keyId ?? vaultId;
  return {
    id: `key-vault-audit/${row.correlationId ?? `${row.operation}@${row.time}`}`,
    time: row.time,
    actor: row.upn ?? row.appId ?? row.objectId,
    operation: row.operation,
    resourceId,
    source: "key-vault-audit",
    detail: describeOperation(row.operation, resourceId),
    client: clientFrom(row.clientInfo, USER_AGENTS),
    requestId: null,
  };
}

export function isRegistryUnwrap(row: KeyVaultAuditInfo, principals: string[]): boolean {
  if (row.operation !== "KeyUnwrap" && row.operation !== "KeyWrap") return false;
  const ids = [row.objectId, row.appId].filter((v): v is string => !!v).map((v) => v.toLowerCase());
  return principals.length === 0 || ids.some((id) => principals.includes(id));
}

/** The current run of failing unwraps by the registry's identity: since the last success, oldest first. */
export function unwrapFailuresOf(rows: KeyVaultAuditInfo[], principals: string[]): UnwrapFailures | null {
  const ours = rows
    .filter((r) => isRegistryUnwrap(r, principals))
    .sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  const lastOk = ours.findLastIndex((r) => (r.httpStatus ?? 0) < 400);
  const failing = ours.slice(lastOk + 1);
  const first = failing[0];
  const last = failing[failing.length - 1];
  if (!first || !last) return null;
  return {
    firstAt: first.time,
    lastAt: last.time,
    count: failing.length,
    status: first.httpStatus,
    code: first.resultDescription ?? first.resultSignature,
    callerIp: first.callerIp,
  };
}

export function buildEntries(
  changes: ResourceChangeInfo[],
  activity: ActivityEventInfo[],
  audit: KeyVaultAuditInfo[],
  vaultId: string,
  principals: string[],
): TimelineEntry[] {
  const entries: TimelineEntry[] = changes.map(entryFromChange);
  const byCorrelation = new Map<string, TimelineEntry>();
  changes.forEach((c, i) => {
    if (c.correlationId && entries[i]) byCorrelation.set(c.correlationId.toLowerCase(), entries[i]);
  });
  for (const event of activity) {
    const twin = event.correlationId ? byCorrelation.get(event.correlationId.toLowerCase()) : undefined;
    if (twin) twin.requestId = event.requestId;
    else entries.push(entryFromActivity(event));
  }
  for (const row of audit) {
    if (KEY_CHANGES.has(row.operation) && (row.httpStatus ?? 200) < 400) entries.push(entryFromAudit(row, vaultId));
  }
  const failures = unwrapFailuresOf(audit, principals);
  if (failures) {
    const first = audit.find((r) => r.time === failures.firstAt && isRegistryUnwrap(r, principals));
    entries.push({
      id: `key-vault-audit/${first?.correlationId ?? `unwrap@${failures.firstAt}`}`,
      time: failures.firstAt,
      actor: first?.appId ?? first?.objectId ?? null,
      operation: first?.operation ?? "KeyUnwrap",
      resourceId: first?.keyId ?? vaultId,
      source: "key-vault-audit",
      detail: `the registry's key unwraps started failing: ${failures.status ?? "?"} ${failures.code ?? ""} from ${failures.callerIp ?? "an unknown address"} (${failures.count} failure${failures.count === 1 ? "" : "s"} since, the last at ${failures.lastAt})`,
      client: null,
      requestId: null,
    });
  }
  return entries.sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
}
