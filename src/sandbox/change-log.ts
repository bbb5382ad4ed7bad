// The sandbox's memory of who changed what: every change through a request, the CLI (`sandbox break --as`) or a served
// client is kept with its actor, client and sandbox time, and Key Vault audit events are written for vaults whose
// diagnostic settings send the AuditEvent category somewhere, as Azure writes them
// (https://learn.microsoft.com/en-us/azure/key-vault/general/logging). The registry's own unwraps are audited too:
// when its key becomes unusable the first failing KeyUnwrap is there, with its status and caller address.
import { randomUUID } from "node:crypto";
import { auditDestinations, sendsAuditCategory } from "./audit-logs.js";
import { diffWorlds, type DetectedChange } from "./change-diff.js";
import { principalForEncryptionIdentity, resolveRegistryKey, hasKeyPermissions } from "./health.js";
import { OPERATOR_CLIENT_ADDRESS } from "./http/keyvault-gate.js";
import type { AuditEventRecord, ChangeClient, ChangeRecord, RegistryRecord, VaultRecord, World } from "./world.js";

export const DEFAULT_ACTOR = "sandbox-operator@contoso.com";
/** Where the registry's key calls come from (a documentation address, RFC 5737): ACR's service, not the operator. */
export const REGISTRY_SERVICE_ADDRESS = "203.0.113.77";
const REGISTRY_CLIENT_INFO = "AzureContainerRegistry-CMK/1.0";
/** Enough history for a day's drill; the oldest entries go first. */
const MAX_CHANGES = 2000;
const MAX_AUDIT_EVENTS = 5000;

export interface ChangeCaller {
  actor: string;
  client: ChangeClient;
  userAgent?: string;
  callerIp?: string;
  requestId?: string;
}

/** The client a user agent names: the Azure CLI, PowerShell, a browser (the portal), an SDK. */
export function clientFromUserAgent(userAgent: string | undefined): ChangeClient {
  if (!userAgent) return "unknown";
  if (/AZURECLI\//i.test(userAgent)) return "cli";
  if (/AzurePowershell|PowerShell/i.test(userAgent)) return "powershell";
  if (/^Mozilla\//i.test(userAgent)) return "portal";
  if (/azsdk-|azure-sdk|python-requests|msrest/i.test(userAgent)) return "sdk";
  return "unknown";
}

/** What a user agent would say for a change made with `client` (the audit events' clientInfo). */
function clientInfoFor(client: ChangeClient, userAgent: string | undefined): string {
  if (userAgent) return userAgent;
  const byClient: Record<ChangeClient, string> = {
    portal: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Azure Portal",
    cli: "AZURECLI/2.45.0 (DEB)",
    template: "Azure Resource Manager (template deployment)",
    sdk: "azsdk-js-keyvault-keys/4.10.2",
    powershell: "AzurePowershell/v12.0.0",
    unknown: "unknown",
  };
  return byClient[client];
}

/** Does the vault send its audit events anywhere (a diagnostic setting with AuditEvent or allLogs/audit on)? */
export function vaultAudited(vault: VaultRecord): boolean {
  return (vault.diagnosticSettings ?? []).some(
    (s) => (s.workspaceId || s.storageAccountId || s.eventHubAuthorizationRuleId) && sendsAuditCategory(s),
  );
}

function vaultByName(world: World, name: string): VaultRecord | undefined {
  return world.vaults[name.toLowerCase()];
}

function pushAudit(world: World, event: AuditEventRecord): void {
  const vault = vaultByName(world, event.vaultName);
  if (!vault || !vaultAudited(vault)) return;
  world.auditEvents ??= [];
  world.auditEvents.push({ ...event, destinations: auditDestinations(vault) });
  if (world.auditEvents.length > MAX_AUDIT_EVENTS)
    world.auditEvents.splice(0, world.auditEvents.length - MAX_AUDIT_EVENTS);
}

/** What Key Vault answers the registry's unwrap right now, or null when no request reaches a vault. */
export function unwrapOutcome(
  world: World,
  registry: RegistryRecord,
): { status: number; signature: string; code?: string; vault: VaultRecord; kid: string } | null {
  if (registry.encryption.status !== "enabled") return null;
  const { vault, key, version, kid } = resolveRegistryKey(world, registry);
  const principal =
    principalForEncryptionIdentity(world, registry) ??
    (registry.identityDetached?.principalId ? { principalId: registry.identityDetached.principalId } : null);
  // No vault to call (deleted: its name no longer resolves) or no identity to call as: nothing reaches Key Vault.
  if (!vault || vault.deleted || vault.purged || !principal) return null;
  const at = kid ?? registry.encryption.keyIdentifier ?? "";
  const fail = (status: number, signature: string, code: string) => ({ status, signature, code, vault, kid: at });
  const open = vault.publicNetworkAccess === "Enabled" && vault.networkAcls.defaultAction === "Allow";
  if ((!open && vault.networkAcls.bypass !== "AzureServices") || registry.firewallStale) {
    return fail(403, "Forbidden", "ForbiddenByFirewall");
  }
  if (!hasKeyPermissions(world, vault, principal.principalId, ["get", "unwrapKey"], key?.name).ok) {
    return fail(403, "Forbidden", vault.enableRbacAuthorization ? "ForbiddenByRbac" : "ForbiddenByPolicy");
  }
  if (!key || key.deleted || key.purged || !version) return fail(404, "NotFound", "KeyNotFound");
  if (!version.enabled) return fail(403, "Forbidden", "KeyDisabled");
  return { status: 200, signature: "OK", vault, kid: at };
}

function registryPrincipal(world: World, registry: RegistryRecord): { objectId?: string; appId?: string } {
  const principal = principalForEncryptionIdentity(world, registry);
  const objectId = principal?.principalId ?? registry.identityDetached?.principalId;
  const clientId = registry.encryption.identity;
  return {
    ...(objectId ? { objectId } : {}),
    ...(clientId && clientId.toLowerCase() !== "system" ? { appId: clientId } : {}),
  };
}

/** One KeyUnwrap by the registry at `now` (its periodic key check, or a pull that needs the key). */
export function recordRegistryUnwrap(world: World, registry: RegistryRecord, now: Date): void {
  const outcome = unwrapOutcome(world, registry);
  if (!outcome) return;
  pushAudit(world, {
    time: now.toISOString(),
    vaultName: outcome.vault.name,
    vaultId: outcome.vault.id,
    operation: "KeyUnwrap",
    httpStatusCode: outcome.status,
    resultSignature: outcome.signature,
    ...(outcome.code ? { resultDescription: outcome.code } : {}),
    callerIp: REGISTRY_SERVICE_ADDRESS,
    ...registryPrincipal(world, registry),
    clientInfo: REGISTRY_CLIENT_INFO,
    keyId: outcome.kid,
    correlationId: randomUUID(),
  });
}

function outcomeKey(world: World, registry: RegistryRecord): string {
  const o = unwrapOutcome(world, registry);
  return o ? `${o.status}:${o.code ?? ""}` : "none";
}

/**
 * Records what changed from `before` to `after` (the same world, mutated) as made by `caller` at `now`, with the audit
 * events Key Vault writes for it, and a KeyUnwrap for each registry whose key access the change turned.
 */
export function recordChanges(before: World, after: World, caller: ChangeCaller, now: Date): ChangeRecord[] {
  const detected: DetectedChange[] = diffWorlds(before, after);
  const records: ChangeRecord[] = detected.map((d) => ({
    id: randomUUID(),
    time: d.at ?? now.toISOString(),
    actor: caller.actor,
    client: caller.client,
    ...(caller.userAgent ? { userAgent: caller.userAgent } : {}),
    callerIp: caller.callerIp ?? OPERATOR_CLIENT_ADDRESS,
    plane: d.plane,
    operation: d.operation,
    resourceId: d.resourceId,
    changeType: d.changeType,
    properties: d.properties,
    ...(caller.requestId ? { requestId: caller.requestId } : {}),
  }));
  if (records.length > 0) {
    after.changes ??= [];
    after.changes.push(...records);
    after.changes.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
    if (after.changes.length > MAX_CHANGES) after.changes.splice(0, after.changes.length - MAX_CHANGES);
  }
  for (const record of records) {
    if (record.plane !== "keyvault") continue;
    const vaultName = new URL(record.resourceId).hostname.split(".")[0] as string;
    pushAudit(after, {
      time: record.time,
      vaultName,
      vaultId: vaultByName(after, vaultName)?.id ?? "",
      operation: record.operation,
      httpStatusCode: 200,
      resultSignature: "OK",
      callerIp: record.callerIp,
      upn: record.actor,
      clientInfo: clientInfoFor(record.client, record.userAgent),
      keyId: record.resourceId,
      correlationId: record.id,
    });
  }
  for (const registry of Object.values(after.registries)) {
    const was = before.registries[registry.id.toLowerCase()];
    if (!was || outcomeKey(before, was) !== outcomeKey(after, registry)) recordRegistryUnwrap(after, registry, now);
  }
  if (after.auditEvents) after.auditEvents.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  return records;
}
