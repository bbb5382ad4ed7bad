// `sandbox break <incident>`: each incident puts the world into the state a documented failure leaves behind
// (https://learn.microsoft.com/en-us/azure/container-registry/tutorial-troubleshoot-customer-managed-keys), so a drill starts from exactly what an on-call engineer would find.
import { DEFAULT_ACTOR, recordChanges, type ChangeCaller } from "./change-log.js";
import { principalForEncryptionIdentity, resolveRegistryKey } from "./health.js";
import { keyDeletionMs, softDeleteKey } from "./key-deletion.js";
import type { KeyRecord, KeyVersionRecord, RegistryRecord, VaultRecord, World } from "./world.js";

export const INCIDENT_NAMES = [
  "key-deleted",
  "vault-deleted",
  "key-purged",
  "vault-purged",
  "identity-removed",
  "system-identity-removed",
  "firewall-403",
  "access-revoked",
  "key-disabled",
  "key-expired",
] as const;
export type IncidentName = (typeof INCIDENT_NAMES)[number];

export function isIncidentName(value: string): value is IncidentName {
  return (INCIDENT_NAMES as readonly string[]).includes(value);
}

/** The incident cannot be set up on this world (wrong scenario, already broken, unknown registry): bad input. */
export class IncidentError extends Error {
  override readonly name = "IncidentError";
}

export interface IncidentResult {
  incident: IncidentName;
  registry: string;
  /** What was changed, one sentence each, for the operator to read. */
  changes: string[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The registry named by -r (case-insensitive), or the first one. */
export function findRegistry(world: World, name?: string): RegistryRecord {
  const registries = Object.values(world.registries);
  if (registries.length === 0) throw new IncidentError("the sandbox has no registries: run `acr-cmk sandbox init`");
  if (name === undefined) return registries[0] as RegistryRecord;
  const found = registries.find((r) => r.name.toLowerCase() === name.toLowerCase());
  if (!found) {
    throw new IncidentError(
      `no registry '${name}' in the sandbox; registries: ${registries.map((r) => r.name).join(", ")}`,
    );
  }
  return found;
}

interface Target {
  registry: RegistryRecord;
  vault: VaultRecord;
  key: KeyRecord;
  version: KeyVersionRecord;
}

/** The live vault, key and version the registry uses; incidents that need them refuse when they are already gone. */
function liveTarget(world: World, registry: RegistryRecord): Target {
  if (registry.encryption.status !== "enabled") {
    throw new IncidentError(`registry '${registry.name}' does not use a customer-managed key`);
  }
  const { vault, key, version, vaultName, keyName } = resolveRegistryKey(world, registry);
  if (!vault || vault.purged) throw new IncidentError(`vault '${vaultName ?? "?"}' no longer exists`);
  if (vault.deleted) throw new IncidentError(`vault '${vault.name}' is already soft-deleted`);
  if (!key || key.purged) throw new IncidentError(`key '${keyName ?? "?"}' no longer exists in vault '${vault.name}'`);
  if (key.deleted) throw new IncidentError(`key '${key.name}' in vault '${vault.name}' is already soft-deleted`);
  if (!version) throw new IncidentError(`the key version registry '${registry.name}' uses no longer exists`);
  return { registry, vault, key, version };
}

function retentionEnd(vault: VaultRecord, now: Date): string {
  return new Date(now.getTime() + vault.softDeleteRetentionInDays * DAY_MS).toISOString();
}

/** Options of `sandbox break`. */
export interface IncidentOptions {
  /**
   * key-deleted only: leave the key inside Key Vault's deletion window (neither live nor in the deleted list) for
   * `forMs` of sandbox time (default: the world's keyDeletionMs). Absent: the deletion has already finished.
   */
  inProgress?: { forMs?: number };
  /** Who made the change and with what client (`--as`, `--client`): the change record names them. */
  by?: ChangeCaller;
}

/** Key Vault: RBAC role assignments scoped to a deleted vault are removed and do not come back on recovery. */
function dropVaultScopedAssignments(world: World, vault: VaultRecord): number {
  const prefix = vault.id.toLowerCase();
  let removed = 0;
  for (const [id, assignment] of Object.entries(world.roleAssignments)) {
    const scope = assignment.scope.toLowerCase().replace(/\/+$/, "");
    if (scope === prefix || scope.startsWith(`${prefix}/`)) {
      delete world.roleAssignments[id];
      removed++;
    }
  }
  return removed;
}

function softDeleteVault(world: World, vault: VaultRecord, now: Date): string[] {
  vault.deleted = { deletionDate: now.toISOString(), scheduledPurgeDate: retentionEnd(vault, now) };
  const removed = dropVaultScopedAssignments(world, vault);
  const changes = [
    `soft-deleted vault '${vault.name}' (recoverable until ${vault.deleted.scheduledPurgeDate}; its data plane no longer resolves)`,
  ];
  if (removed > 0) {
    changes.push(
      `removed ${removed} RBAC role assignment(s) scoped to the vault: a recovered vault does not get them back`,
    );
  }
  return changes;
}

function userIdentityOf(world: World, registry: RegistryRecord) {
  const clientId = registry.encryption.identity?.toLowerCase();
  return registry.userAssignedIdentities
    .map((id) => world.identities[id.toLowerCase()])
    .find((identity) => identity !== undefined && identity.clientId.toLowerCase() === clientId);
}

type Breaker = (world: World, registry: RegistryRecord, now: Date, options: IncidentOptions) => string[];

const breakers: Record<IncidentName, Breaker> = {
  "key-deleted": (world, registry, now, { inProgress }) => {
    const { vault, key } = liveTarget(world, registry);
    softDeleteKey(vault, key, now, inProgress ? (inProgress.forMs ?? keyDeletionMs(world)) : 0);
    const changes = [
      `soft-deleted key '${key.name}' in vault '${vault.name}' (recoverable until ${key.deleted?.scheduledPurgeDate})`,
    ];
    if (key.deleted?.completesAt) {
      changes.push(
        `the deletion is still in progress until ${key.deleted.completesAt} (sandbox clock): the key is neither live nor in the deleted list, cannot be recovered or re-created yet`,
      );
    }
    return changes;
  },

  "vault-deleted": (world, registry, now) => {
    const { vault } = liveTarget(world, registry);
    return softDeleteVault(world, vault, now);
  },

  "key-purged": (world, registry, now) => {
    const { vault, key } = liveTarget(world, registry);
    if (!vault.enablePurgeProtection) {
      softDeleteKey(vault, key, now);
      key.purged = true;
      return [
        `deleted and purged key '${key.name}' in vault '${vault.name}': it cannot be recovered, only restored from a backup`,
      ];
    }
    // Purge protection refuses a purge: the only way Azure loses this key is a deletion older than the retention
    // period. Date the deletion (and the registry's last use of the key) before it, so the world stays possible.
    const deletedAt = new Date(now.getTime() - (vault.softDeleteRetentionInDays + 1) * DAY_MS);
    softDeleteKey(vault, key, deletedAt);
    key.purged = true;
    const lastUse = registry.encryption.lastKeyRotationTimestamp;
    if (!lastUse || Date.parse(lastUse) > deletedAt.getTime()) {
      registry.encryption.lastKeyRotationTimestamp = new Date(deletedAt.getTime() - DAY_MS).toISOString();
    }
    return [
      `purged key '${key.name}' in vault '${vault.name}': it cannot be recovered, only restored from a backup`,
      `purge protection is on, so this is a key deleted ${vault.softDeleteRetentionInDays + 1} days ago (${deletedAt.toISOString()}) that the retention period has since purged`,
    ];
  },

  "vault-purged": (world, registry, now) => {
    const { vault } = liveTarget(world, registry);
    const changes = softDeleteVault(world, vault, now);
    vault.purged = true;
    changes.push(
      `purged vault '${vault.name}': its keys are gone for good` +
        (vault.enablePurgeProtection ? " (set up directly: purge protection would refuse a purge in Azure)" : ""),
    );
    return changes;
  },

  "identity-removed": (world, registry, now) => {
    liveTarget(world, registry);
    if (registry.identityDetached) {
      throw new IncidentError(`registry '${registry.name}' already had its encryption identity removed`);
    }
    const identity = userIdentityOf(world, registry);
    if (!identity) {
      throw new IncidentError(
        `registry '${registry.name}' does not encrypt with a user-assigned identity; for the system identity use \`sandbox break system-identity-removed\``,
      );
    }
    registry.userAssignedIdentities = registry.userAssignedIdentities.filter((id) => id !== identity.id.toLowerCase());
    const expiresAt = new Date(now.getTime() + world.settings.identityGraceMs).toISOString();
    registry.identityDetached = {
      identity: identity.clientId,
      detachedAt: now.toISOString(),
      expiresAt,
      principalId: identity.principalId,
    };
    return [
      `removed user-assigned identity '${identity.name}' (client id ${identity.clientId}) from registry '${registry.name}'`,
      `key rotation now fails with "does not have access to identity"; pulls and pushes keep working until ${expiresAt}`,
    ];
  },

  "system-identity-removed": (world, registry, now) => {
    liveTarget(world, registry);
    const principal = principalForEncryptionIdentity(world, registry);
    if (!principal || principal.kind !== "system" || !registry.systemIdentity) {
      throw new IncidentError(
        `registry '${registry.name}' does not encrypt with its system-assigned identity: run \`acr-cmk sandbox init --scenario system-identity\` (or --identity system) first`,
      );
    }
    const expiresAt = new Date(now.getTime() + world.settings.identityGraceMs).toISOString();
    registry.identityDetached = {
      identity: "system",
      detachedAt: now.toISOString(),
      expiresAt,
      principalId: registry.systemIdentity.principalId,
    };
    delete registry.systemIdentity;
    return [
      `removed the system-assigned identity of registry '${registry.name}' (a new one would get a new principal id; the old one cannot be restored)`,
      `key rotation now fails with "does not have access to identity"; pulls and pushes keep working until ${expiresAt}`,
    ];
  },

  "firewall-403": (world, registry) => {
    const { vault } = liveTarget(world, registry);
    vault.networkAcls = { ...vault.networkAcls, defaultAction: "Deny", bypass: "None" };
    const affected = Object.values(world.registries).filter(
      (r) => r.encryption.status === "enabled" && resolveRegistryKey(world, r).vault === vault,
    );
    for (const r of affected) r.firewallStale = true;
    return [
      `switched on the firewall of vault '${vault.name}' after encryption: default action Deny, trusted Azure services not allowed`,
      `registries using it are now blocked until their key is reconfigured: ${affected.map((r) => r.name).join(", ")}`,
    ];
  },

  "access-revoked": (world, registry) => {
    const { vault } = liveTarget(world, registry);
    const principal = registry.identityDetached?.principalId
      ? { principalId: registry.identityDetached.principalId }
      : principalForEncryptionIdentity(world, registry);
    if (!principal) throw new IncidentError(`registry '${registry.name}' has no encryption identity to revoke`);
    const who = principal.principalId.toLowerCase();
    if (vault.enableRbacAuthorization) {
      let removed = 0;
      const prefix = vault.id.toLowerCase();
      for (const [id, assignment] of Object.entries(world.roleAssignments)) {
        const scope = assignment.scope.toLowerCase().replace(/\/+$/, "");
        const covers = prefix === scope || prefix.startsWith(`${scope}/`) || scope.startsWith(`${prefix}/`);
        if (assignment.principalId.toLowerCase() === who && covers) {
          delete world.roleAssignments[id];
          removed++;
        }
      }
      if (removed === 0)
        throw new IncidentError(`the identity has no role assignment on vault '${vault.name}' to revoke`);
      return [`deleted ${removed} role assignment(s) of principal ${principal.principalId} on vault '${vault.name}'`];
    }
    const before = vault.accessPolicies.length;
    vault.accessPolicies = vault.accessPolicies.filter((p) => p.objectId.toLowerCase() !== who);
    if (vault.accessPolicies.length === before) {
      throw new IncidentError(`the identity has no access policy on vault '${vault.name}' to revoke`);
    }
    return [`removed the access policy of principal ${principal.principalId} from vault '${vault.name}'`];
  },

  "key-disabled": (world, registry, now) => {
    const { vault, key, version } = liveTarget(world, registry);
    version.enabled = false;
    version.updated = now.toISOString();
    return [`disabled version ${version.version} of key '${key.name}' in vault '${vault.name}' (the version in use)`];
  },

  "key-expired": (world, registry, now) => {
    const { vault, key, version } = liveTarget(world, registry);
    version.exp = new Date(now.getTime() - DAY_MS).toISOString();
    version.updated = now.toISOString();
    return [
      `set the expiry of key '${key.name}' version ${version.version} in vault '${vault.name}' to ${version.exp}`,
      "Key Vault still unwraps with an expired key (data stays readable) but refuses wrapKey: rotation fails",
    ];
  },
};

/** Applies `incident` to the registry named `registryName` (or the first one). Throws IncidentError and changes nothing on bad input. */
export function breakWorld(
  world: World,
  incident: string,
  now: Date,
  registryName?: string,
  options: IncidentOptions = {},
): IncidentResult {
  if (!isIncidentName(incident)) {
    throw new IncidentError(`unknown incident '${incident}'; valid incidents: ${INCIDENT_NAMES.join(", ")}`);
  }
  if (options.inProgress && incident !== "key-deleted") {
    throw new IncidentError(`--in-progress only applies to key-deleted (a key whose deletion has not finished)`);
  }
  const registry = findRegistry(world, registryName);
  const before = structuredClone(world);
  const changes = breakers[incident](world, registry, now, options);
  recordChanges(before, world, options.by ?? { actor: DEFAULT_ACTOR, client: "cli" }, now);
  return { incident, registry: registry.name, changes };
}
