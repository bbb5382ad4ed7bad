// What a request or an incident changed: two worlds compared resource by resource. Resource Manager resources are
// compared through the property paths their ARM bodies carry (what Resource Graph's resource changes report,
// https://learn.microsoft.com/en-us/azure/governance/resource-graph/changes/get-resource-changes); keys through
// what Key Vault's audit events name (https://learn.microsoft.com/en-us/azure/key-vault/key-vault-insights-overview).
import { keyId } from "./ids.js";
import type { ChangeRecord, DiagnosticSettingRecord, KeyRecord, RegistryRecord, VaultRecord, World } from "./world.js";

/** A change before it is attributed (who, when, how): change-log.ts adds those. */
export type DetectedChange = Pick<ChangeRecord, "plane" | "operation" | "resourceId" | "changeType" | "properties"> & {
  /** When the change took effect, if not now (a deletion dated back by an incident). */
  at?: string;
};

type Projection = Record<string, unknown>;

function registryProjection(world: World, r: RegistryRecord): Projection {
  const user = r.userAssignedIdentities.map((id) => world.identities[id]?.id ?? id).sort();
  const type = [r.systemIdentity ? "SystemAssigned" : null, user.length > 0 ? "UserAssigned" : null]
    .filter(Boolean)
    .join(", ");
  const kv = r.encryption;
  return {
    "identity.type": type || "None",
    "identity.principalId": r.systemIdentity?.principalId ?? null,
    "identity.userAssignedIdentities": user,
    "properties.encryption.status": kv.status,
    "properties.encryption.keyVaultProperties.keyIdentifier": kv.keyIdentifier ?? null,
    "properties.encryption.keyVaultProperties.identity": kv.identity ?? null,
  };
}

function vaultProjection(v: VaultRecord): Projection {
  return {
    "properties.enableSoftDelete": v.enableSoftDelete,
    "properties.enablePurgeProtection": v.enablePurgeProtection,
    "properties.enableRbacAuthorization": v.enableRbacAuthorization,
    "properties.publicNetworkAccess": v.publicNetworkAccess,
    "properties.networkAcls.defaultAction": v.networkAcls.defaultAction,
    "properties.networkAcls.bypass": v.networkAcls.bypass,
    "properties.networkAcls.ipRules": [...v.networkAcls.ipRules].sort(),
    "properties.accessPolicies": v.accessPolicies
      .map((p) => ({ objectId: p.objectId, keys: [...p.permissions.keys].sort() }))
      .sort((a, b) => a.objectId.localeCompare(b.objectId)),
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function propertyChanges(before: Projection, after: Projection): ChangeRecord["properties"] {
  const out: ChangeRecord["properties"] = {};
  for (const path of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (!same(before[path], after[path]))
      out[path] = { previousValue: before[path] ?? null, newValue: after[path] ?? null };
  }
  return out;
}

function armChange(
  resourceId: string,
  operation: string,
  changeType: DetectedChange["changeType"],
  properties: ChangeRecord["properties"] = {},
): DetectedChange {
  return { plane: "arm", operation, resourceId, changeType, properties };
}

const live = (v: VaultRecord | undefined): v is VaultRecord => v !== undefined && !v.deleted && !v.purged;

function vaultChanges(before: VaultRecord | undefined, after: VaultRecord | undefined): DetectedChange[] {
  const id = (after ?? before)?.id as string;
  const out: DetectedChange[] = [];
  if (live(before) && !live(after)) {
    out.push(armChange(id, "Microsoft.KeyVault/vaults/delete", "Delete"));
  }
  if (after?.purged && !before?.purged) {
    const location = after.location;
    const purgeId = id.replace(
      /\/resourceGroups\/[^/]+\/providers\/Microsoft\.KeyVault\/vaults\//i,
      `/providers/Microsoft.KeyVault/locations/${location}/deletedVaults/`,
    );
    out.push(armChange(purgeId, "Microsoft.KeyVault/locations/deletedVaults/purge/action", "Delete"));
  }
  if (!live(before) && live(after)) {
    out.push(armChange(id, "Microsoft.KeyVault/vaults/write", "Create", propertyChanges({}, vaultProjection(after))));
  }
  if (live(before) && live(after)) {
    const changed = propertyChanges(vaultProjection(before), vaultProjection(after));
    const paths = Object.keys(changed);
    if (paths.length > 0) {
      const onlyPolicies = paths.every((p) => p === "properties.accessPolicies");
      const operation = onlyPolicies
        ? "Microsoft.KeyVault/vaults/accessPolicies/write"
        : "Microsoft.KeyVault/vaults/write";
      out.push(armChange(id, operation, "Update", changed));
    }
    out.push(...diagnosticSettingChanges(before, after));
  }
  return out;
}

function settingProjection(s: DiagnosticSettingRecord): Projection {
  return {
    "properties.workspaceId": s.workspaceId ?? null,
    "properties.storageAccountId": s.storageAccountId ?? null,
    "properties.eventHubAuthorizationRuleId": s.eventHubAuthorizationRuleId ?? null,
    "properties.logAnalyticsDestinationType": s.logAnalyticsDestinationType ?? null,
    "properties.logs": s.logs.map((l) => ({ category: l.category ?? l.categoryGroup ?? null, enabled: l.enabled })),
  };
}

/**
 * Diagnostic settings are extension resources of the vault; the Activity Log records their writes and deletions
 * (Microsoft.Insights/diagnosticSettings/write, /delete: https://learn.microsoft.com/en-us/azure/azure-monitor/essentials/activity-log-schema),
 * so turning a vault's audit logs off is a change with an actor and a time like any other.
 */
function diagnosticSettingChanges(before: VaultRecord, after: VaultRecord): DetectedChange[] {
  const settingId = (name: string) => `${after.id}/providers/Microsoft.Insights/diagnosticSettings/${name}`;
  const byName = (v: VaultRecord) => new Map((v.diagnosticSettings ?? []).map((s) => [s.name.toLowerCase(), s]));
  const was = byName(before);
  const now = byName(after);
  const out: DetectedChange[] = [];
  for (const key of new Set([...was.keys(), ...now.keys()])) {
    const a = was.get(key);
    const b = now.get(key);
    if (a && !b) {
      const gone = propertyChanges(settingProjection(a), {});
      out.push(armChange(settingId(a.name), "Microsoft.Insights/diagnosticSettings/delete", "Delete", gone));
    } else if (b) {
      const changed = propertyChanges(a ? settingProjection(a) : {}, settingProjection(b));
      if (Object.keys(changed).length > 0) {
        out.push(
          armChange(settingId(b.name), "Microsoft.Insights/diagnosticSettings/write", a ? "Update" : "Create", changed),
        );
      }
    }
  }
  return out;
}

function keyVaultChange(
  vault: VaultRecord,
  key: KeyRecord,
  operation: string,
  properties: ChangeRecord["properties"] = {},
  version?: string,
  at?: string,
): DetectedChange {
  return {
    plane: "keyvault",
    operation,
    resourceId: keyId(vault.name, key.name, version),
    changeType:
      operation === "KeyDelete" || operation === "KeyPurge"
        ? "Delete"
        : operation === "KeyUpdate"
          ? "Update"
          : "Create",
    properties,
    ...(at ? { at } : {}),
  };
}

const keyLive = (k: KeyRecord | undefined): boolean => k !== undefined && !k.deleted && !k.purged;

function keyChanges(vault: VaultRecord, before: KeyRecord | undefined, after: KeyRecord | undefined): DetectedChange[] {
  const out: DetectedChange[] = [];
  if (!after) return out;
  if (keyLive(before) && !keyLive(after)) {
    out.push(keyVaultChange(vault, after, "KeyDelete", {}, undefined, after.deleted?.deletedDate));
  }
  // A purge under purge protection is Key Vault's own retention at work, not anyone's request.
  if (after.purged && !before?.purged && !vault.enablePurgeProtection)
    out.push(keyVaultChange(vault, after, "KeyPurge"));
  if (before && !keyLive(before) && before.deleted && !before.purged && keyLive(after)) {
    out.push(keyVaultChange(vault, after, "KeyRecover"));
    return out;
  }
  if ((!before || before.purged) && keyLive(after)) {
    out.push(keyVaultChange(vault, after, before?.purged ? "KeyRestore" : "KeyCreate"));
    return out;
  }
  if (!before || !keyLive(before) || !keyLive(after)) return out;
  for (const version of after.versions) {
    const was = before.versions.find((v) => v.version === version.version);
    if (!was) {
      out.push(keyVaultChange(vault, after, "KeyCreate", {}, version.version));
      continue;
    }
    const changed = propertyChanges(
      { "attributes.enabled": was.enabled, "attributes.exp": was.exp ?? null, "attributes.nbf": was.nbf ?? null },
      {
        "attributes.enabled": version.enabled,
        "attributes.exp": version.exp ?? null,
        "attributes.nbf": version.nbf ?? null,
      },
    );
    if (Object.keys(changed).length > 0) out.push(keyVaultChange(vault, after, "KeyUpdate", changed, version.version));
  }
  return out;
}

function lifecycle<T extends { id: string }>(
  before: Record<string, T>,
  after: Record<string, T>,
  type: string,
  project: (item: T) => Projection,
  skip: (item: T) => boolean = () => false,
): DetectedChange[] {
  const out: DetectedChange[] = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const was = before[key];
    const now = after[key];
    if (was && !now) {
      if (!skip(was)) out.push(armChange(was.id, `${type}/delete`, "Delete", propertyChanges(project(was), {})));
    } else if (!was && now) {
      out.push(armChange(now.id, `${type}/write`, "Create", propertyChanges({}, project(now))));
    } else if (was && now) {
      const changed = propertyChanges(project(was), project(now));
      if (Object.keys(changed).length > 0) out.push(armChange(now.id, `${type}/write`, "Update", changed));
    }
  }
  return out;
}

/** Every change from `before` to `after`, Resource Manager first, then the data plane. */
export function diffWorlds(before: World, after: World): DetectedChange[] {
  const out: DetectedChange[] = [];
  out.push(
    ...lifecycle(before.registries, after.registries, "Microsoft.ContainerRegistry/registries", (r) =>
      registryProjection(after, r),
    ),
    ...lifecycle(before.identities, after.identities, "Microsoft.ManagedIdentity/userAssignedIdentities", (i) => ({
      "properties.principalId": i.principalId,
      "properties.clientId": i.clientId,
    })),
  );
  const vaultNames = new Set([...Object.keys(before.vaults), ...Object.keys(after.vaults)]);
  const vaultsGone = new Set<string>();
  for (const name of vaultNames) {
    const was = before.vaults[name];
    const now = after.vaults[name];
    out.push(...vaultChanges(was, now));
    if (live(was) && !live(now)) vaultsGone.add((was as VaultRecord).id.toLowerCase());
  }
  // Key Vault removes the role assignments of a deleted vault itself: not a change anyone asked for.
  out.push(
    ...lifecycle(
      before.roleAssignments,
      after.roleAssignments,
      "Microsoft.Authorization/roleAssignments",
      (a) => ({
        "properties.roleDefinitionId": a.roleDefinitionId,
        "properties.principalId": a.principalId,
        "properties.scope": a.scope,
      }),
      (a) => [...vaultsGone].some((id) => a.scope.toLowerCase().startsWith(id)),
    ),
  );
  for (const name of vaultNames) {
    const was = before.vaults[name];
    const now = after.vaults[name];
    if (!live(was) || !live(now)) continue;
    for (const keyName of new Set([...Object.keys(was.keys), ...Object.keys(now.keys)])) {
      out.push(...keyChanges(now, was.keys[keyName], now.keys[keyName]));
    }
  }
  return out;
}
