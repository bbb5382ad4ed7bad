// Findings joined to the timeline: the newest change that explains each finding becomes its `causedBy`, and a vault
// that sends its audit events nowhere is the AUDIT_LOGS_OFF finding, with the command that turns them on
// (https://learn.microsoft.com/en-us/azure/key-vault/general/howto-logging).
import type { DiagnosticSettingInfo } from "../../azure/timeline-types.js";
import type { Finding } from "../types.js";
import { keyIdParts } from "./entries.js";
import type { TimelineEntry } from "./types.js";

export interface CauseContext {
  registryId: string;
  vaultName?: string;
  keyName?: string;
}

type Match = (entry: TimelineEntry, ctx: CauseContext) => boolean;

const lower = (s: string) => s.toLowerCase();

function onKey(entry: TimelineEntry, ctx: CauseContext): boolean {
  const key = keyIdParts(entry.resourceId);
  return !!key && key.vault === lower(ctx.vaultName ?? "") && key.key === lower(ctx.keyName ?? "");
}

function onVault(entry: TimelineEntry, ctx: CauseContext): boolean {
  const name = lower(ctx.vaultName ?? "\u0000");
  const id = lower(entry.resourceId);
  return id.endsWith(`/vaults/${name}`) || id.endsWith(`/deletedvaults/${name}`) || id.includes(`/vaults/${name}/`);
}

const op = (entry: TimelineEntry, ...names: string[]) => names.some((n) => lower(entry.operation) === lower(n));
const detailHas = (entry: TimelineEntry, text: RegExp) => text.test(entry.detail);

const keyOp =
  (...names: string[]): Match =>
  (e, ctx) =>
    op(e, ...names) && onKey(e, ctx);

const vaultChange =
  (text: RegExp): Match =>
  (e, ctx) =>
    onVault(e, ctx) &&
    op(e, "Microsoft.KeyVault/vaults/write", "Microsoft.KeyVault/vaults/accessPolicies/write") &&
    detailHas(e, text);

const registryIdentityChange: Match = (e, ctx) =>
  lower(e.resourceId) === lower(ctx.registryId) &&
  op(e, "Microsoft.ContainerRegistry/registries/write") &&
  /identity/i.test(e.detail);

const accessChange: Match = (e, ctx) =>
  vaultChange(/access polic/i)(e, ctx) || (op(e, "Microsoft.Authorization/roleAssignments/delete") && onVault(e, ctx));

/** Audit logs turned off: the vault's diagnostic setting deleted, or rewritten to send no AuditEvent. */
const diagnosticSettingChange: Match = (e, ctx) =>
  op(e, "Microsoft.Insights/diagnosticSettings/delete", "Microsoft.Insights/diagnosticSettings/write") &&
  onVault(e, ctx);

const unwrapFailure: Match = (e, ctx) =>
  e.source === "key-vault-audit" && op(e, "KeyUnwrap", "KeyWrap") && onKey(e, ctx);

/** For each finding id, the kinds of change that cause it, most specific first. */
const CAUSES: Record<string, Match[]> = {
  KEY_SOFT_DELETED: [keyOp("KeyDelete")],
  KEY_MISSING: [keyOp("KeyDelete", "KeyPurge")],
  KEY_PURGED: [keyOp("KeyPurge"), keyOp("KeyDelete")],
  VAULT_SOFT_DELETED: [(e, ctx) => op(e, "Microsoft.KeyVault/vaults/delete") && onVault(e, ctx)],
  VAULT_PURGED: [
    (e, ctx) => op(e, "Microsoft.KeyVault/locations/deletedVaults/purge/action") && onVault(e, ctx),
    (e, ctx) => op(e, "Microsoft.KeyVault/vaults/delete") && onVault(e, ctx),
  ],
  KEY_DISABLED: [keyOp("KeyUpdate")],
  KEY_EXPIRED: [keyOp("KeyUpdate")],
  KEY_EXPIRING_SOON: [keyOp("KeyUpdate")],
  IDENTITY_NOT_ASSIGNED: [registryIdentityChange],
  SYSTEM_IDENTITY_MISSING: [registryIdentityChange],
  IDENTITY_RESOURCE_MISSING: [
    (e) => op(e, "Microsoft.ManagedIdentity/userAssignedIdentities/delete"),
    registryIdentityChange,
  ],
  ACCESS_MISSING: [accessChange],
  ACCESS_PARTIAL: [accessChange],
  FIREWALL_BLOCKS_REGISTRY: [vaultChange(/networkAcls|publicNetworkAccess/i)],
  KEY_READ_BLOCKED_BY_FIREWALL: [vaultChange(/networkAcls|publicNetworkAccess/i)],
  REGISTRY_DATA_UNREADABLE: [unwrapFailure],
  AUDIT_LOGS_OFF: [
    (e, ctx) => diagnosticSettingChange(e, ctx) && op(e, "Microsoft.Insights/diagnosticSettings/delete"),
    diagnosticSettingChange,
  ],
};

/** The timeline entry that caused `finding`, if the timeline has one (entries are newest first). */
export function causeOf(finding: Finding, entries: TimelineEntry[], ctx: CauseContext): TimelineEntry | undefined {
  for (const match of CAUSES[finding.id] ?? []) {
    const found = entries.find((e) => match(e, ctx));
    if (found) return found;
  }
  return undefined;
}

/** "key acr-cmk deleted by alice@contoso.com at 02:14 with the Azure CLI" (UTC, as the sources record it). */
export function causeSentence(entry: TimelineEntry): string {
  const at = entry.time.slice(11, 16);
  const day = entry.time.slice(0, 10);
  const by = entry.actor ? ` by ${entry.actor}` : "";
  const client = entry.client ? ` with ${entry.client}` : "";
  return `${entry.detail}${by} at ${at} UTC on ${day}${client}`;
}

/** Does the setting's logs include the AuditEvent category (or a group holding it)? */
export function sendsAuditCategory(setting: DiagnosticSettingInfo): boolean {
  return setting.logs.some(
    (l) => l.enabled && (l.category === "AuditEvent" || l.categoryGroup === "audit" || l.categoryGroup === "allLogs"),
  );
}

/** Does any setting send the AuditEvent category somewhere? */
export function sendsAuditEvents(settings: DiagnosticSettingInfo[]): boolean {
  return settings.some(
    (s) => (s.workspaceId || s.storageAccountId || s.eventHubAuthorizationRuleId) && sendsAuditCategory(s),
  );
}

export function auditLogsOffFinding(vaultId: string, vaultName: string, settings: DiagnosticSettingInfo[]): Finding {
  const logs = JSON.stringify([{ category: "AuditEvent", enabled: true }]);
  return {
    id: "AUDIT_LOGS_OFF",
    severity: "warning",
    title: `Vault ${vaultName} keeps no audit log`,
    detail:
      `No diagnostic setting sends the vault's AuditEvent logs anywhere, so nobody can tell who deleted, disabled or ` +
      `used the key, or when the registry's unwraps started failing. Send them to a Log Analytics workspace ` +
      `(replace <workspace-resource-id> with yours).`,
    evidence: { vault: vaultId, diagnosticSettings: settings.map((s) => s.name) },
    runbook: null,
    command: `az monitor diagnostic-settings create --name acr-cmk-audit --resource ${vaultId} --workspace <workspace-resource-id> --logs '${logs}'`,
  };
}
