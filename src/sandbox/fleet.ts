// Fleet worlds: several subscriptions of one tenant, and ACI container groups encrypted with a customer-managed key
// (https://learn.microsoft.com/azure/container-instances/container-instances-encrypt-data). The ground truth for a
// container group is the registry's: can its identity read its key version right now (health.ts decides).
import { registryKeyAccess, type KeyAccess } from "./health.js";
import { keyId } from "./ids.js";
import type { ContainerGroupRecord, RegistryRecord, SubscriptionRecord, World } from "./world.js";

/** Every subscription of the world, the first one first; `readable: false` ones included. */
export function allSubscriptions(world: World): SubscriptionRecord[] {
  return [
    { subscriptionId: world.subscriptionId, displayName: "acr-cmk sandbox", readable: true },
    ...(world.subscriptions ?? []),
  ];
}

export function findSubscription(world: World, subscriptionId: string): SubscriptionRecord | undefined {
  const wanted = subscriptionId.toLowerCase();
  return allSubscriptions(world).find((s) => s.subscriptionId.toLowerCase() === wanted);
}

/** The subscription a resource id names (lower case), or undefined for a non-ARM id. */
export function subscriptionOf(resourceId: string): string | undefined {
  return /^\/subscriptions\/([^/]+)/i.exec(resourceId)?.[1]?.toLowerCase();
}

/** Does the resource id live in `subscriptionId`? */
export function inSubscription(resourceId: string, subscriptionId: string): boolean {
  return subscriptionOf(resourceId) === subscriptionId.toLowerCase();
}

export function containerGroups(world: World): ContainerGroupRecord[] {
  return Object.values(world.containerGroups ?? {});
}

/** The versioned key id a container group was deployed with. */
export function containerGroupKeyId(group: ContainerGroupRecord): string {
  const vault = /^https:\/\/([^./]+)\.vault\.azure\.net/i.exec(group.encryptionProperties.vaultBaseUrl)?.[1] ?? "";
  const { keyName, keyVersion } = group.encryptionProperties;
  return keyId(vault, keyName, keyVersion);
}

/**
 * A container group seen as a registry pinned to one key version with a user-assigned identity: the access rules
 * (identity, vault, firewall with trusted services, access policy or RBAC, key state) are the same for both.
 */
function asPinnedRegistry(world: World, group: ContainerGroupRecord): RegistryRecord {
  const identity = world.identities[group.encryptionProperties.identity.toLowerCase()];
  const kid = containerGroupKeyId(group);
  return {
    id: group.id,
    name: group.name,
    resourceGroup: group.resourceGroup,
    location: group.location,
    sku: "Premium",
    createdAt: group.createdAt,
    userAssignedIdentities: group.userAssignedIdentities,
    encryption: {
      status: "enabled",
      keyIdentifier: kid,
      versionedKeyIdentifier: kid,
      // A deleted identity has no client id: nothing can match it, so the identity check fails as it should.
      identity: identity?.clientId ?? group.encryptionProperties.identity,
    },
    repositories: [],
  };
}

/** Can the container group read its data (unwrap its key) at `now`? */
export function containerGroupKeyAccess(world: World, group: ContainerGroupRecord, now: Date): KeyAccess {
  const access = registryKeyAccess(world, asPinnedRegistry(world, group), now, "unwrap");
  if (access.ok || access.reason === null) return access;
  return { ...access, reason: access.reason.replaceAll(`registry '${group.name}'`, `container group '${group.name}'`) };
}
