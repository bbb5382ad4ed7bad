// A fleet world (`sandbox init --registries n --keys j --subscriptions k --container-groups m`): n registries and m
// ACI container groups spread round-robin over k subscriptions of one tenant, sharing j keys. Each key lives in its
// own vault with one user-assigned identity that every user of the key reads it with, as a platform team sets up a
// shared key (https://learn.microsoft.com/azure/container-registry/tutorial-enable-customer-managed-keys and
// https://learn.microsoft.com/azure/container-instances/container-instances-encrypt-data).
import { identityId, keyId, newGuid, registryId, vaultResourceId } from "./ids.js";
import { addVault, grantKeyAccess, newRsaKeyVersion, roleAssignment, type ScenarioPlan } from "./scenarios.js";
import { ROLE, type ContainerGroupRecord, type IdentityRecord, type RegistryRecord, type World } from "./world.js";

export interface FleetOptions {
  /** Registries (and groups) spread over this many subscriptions. */
  subscriptions?: number;
  /** Container groups encrypted with customer-managed keys. */
  containerGroups?: number;
  /** Registries and groups share this many keys. */
  keys?: number;
  /** Every request takes this long (ms). */
  latencyMs?: number;
}

export interface FleetPlan {
  subscriptions: number;
  containerGroups: number;
  keys: number;
}

export const FLEET_RESOURCE_GROUP = "rg-acr-cmk-fleet";
export const MAX_SUBSCRIPTIONS = 20;
export const MAX_KEYS = 200;
export const MAX_CONTAINER_GROUPS = 2000;
const LOCATION = "westeurope";
const KEY_NAME = "acr-cmk";
const IMAGE = "mcr.microsoft.com/azuredocs/aci-helloworld";

function bounded(option: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(
      `${option} must be a whole number from ${option === "--container-groups" ? 0 : 1} to ${max} (got ${value})`,
    );
  }
  return value;
}

/** A fleet plan when any fleet option is given; undefined keeps the classic one-vault-per-registry worlds. */
export function planFleet(options: FleetOptions, registries: number): FleetPlan | undefined {
  if (options.keys === undefined && options.containerGroups === undefined && options.subscriptions === undefined) {
    return undefined;
  }
  const subscriptions = bounded("--subscriptions", options.subscriptions ?? 1, MAX_SUBSCRIPTIONS);
  const keys = bounded("--keys", options.keys ?? 1, MAX_KEYS);
  const containerGroups = bounded("--container-groups", options.containerGroups ?? 0, MAX_CONTAINER_GROUPS);
  if (subscriptions < 1) throw new RangeError(`--subscriptions must be a whole number from 1 to ${MAX_SUBSCRIPTIONS}`);
  if (keys < 1) throw new RangeError(`--keys must be a whole number from 1 to ${MAX_KEYS}`);
  if (keys > registries + containerGroups) {
    throw new RangeError(`--keys ${keys} is more keys than resources to use them (${registries + containerGroups})`);
  }
  return { subscriptions, keys, containerGroups };
}

function pad(index: number, count: number): string {
  return String(index).padStart(Math.max(2, String(count).length), "0");
}

/** Names in a fleet world (1-based indexes). */
export function fleetNames(plan: ScenarioPlan, fleet: FleetPlan) {
  return {
    registry: (i: number) => `acrcmkfleet${pad(i, plan.registries)}`,
    containerGroup: (i: number) => `ci-acr-cmk-${pad(i, fleet.containerGroups)}`,
    vault: (k: number) => `kv-acr-cmk-fleet-${pad(k, fleet.keys)}`,
    identity: (k: number) => `id-acr-cmk-fleet-${pad(k, fleet.keys)}`,
    key: KEY_NAME,
  };
}

interface SharedKey {
  vaultName: string;
  version: string;
  identity: IdentityRecord;
}

export function addSharedKeyFleet(world: World, plan: ScenarioPlan, fleet: FleetPlan, now: Date): void {
  const at = now.toISOString();
  const names = fleetNames(plan, fleet);
  const rg = FLEET_RESOURCE_GROUP;
  world.resourceGroups = [...new Set([...world.resourceGroups, rg])];
  const subscriptionIds = [world.subscriptionId];
  world.subscriptions = [];
  for (let s = 2; s <= fleet.subscriptions; s++) {
    const subscriptionId = newGuid();
    subscriptionIds.push(subscriptionId);
    world.subscriptions.push({ subscriptionId, displayName: `acr-cmk sandbox ${s}`, readable: true });
    // The operator holds the same rights in every subscription of the fleet.
    for (const role of [ROLE.owner, ROLE.keyVaultAdministrator]) {
      roleAssignment(world, `/subscriptions/${subscriptionId}`, role, world.operator.objectId, "User", at);
    }
  }
  const subscriptionAt = (i: number) => subscriptionIds[(i - 1) % subscriptionIds.length] as string;

  const keys: SharedKey[] = [];
  for (let k = 1; k <= fleet.keys; k++) {
    const sub = subscriptionAt(k);
    const vault = addVault(world, names.vault(k), plan, now);
    vault.id = vaultResourceId(sub, rg, vault.name);
    vault.resourceGroup = rg;
    const version = newRsaKeyVersion(now);
    vault.keys[KEY_NAME] = { name: KEY_NAME, versions: [version] };
    const identity: IdentityRecord = {
      id: identityId(sub, rg, names.identity(k)),
      name: names.identity(k),
      resourceGroup: rg,
      location: LOCATION,
      principalId: newGuid(),
      clientId: newGuid(),
      tenantId: world.tenantId,
    };
    world.identities[identity.id.toLowerCase()] = identity;
    // get + wrapKey + unwrapKey covers both ACR and ACI (ACI needs get + unwrapKey).
    grantKeyAccess(world, vault, identity.principalId, at);
    keys.push({ vaultName: vault.name, version: version.version, identity });
  }
  const keyAt = (i: number) => keys[(i - 1) % keys.length] as SharedKey;

  for (let i = 1; i <= plan.registries; i++) {
    const key = keyAt(i);
    const registry: RegistryRecord = {
      id: registryId(subscriptionAt(i), rg, names.registry(i)),
      name: names.registry(i),
      resourceGroup: rg,
      location: LOCATION,
      sku: "Premium",
      createdAt: at,
      userAssignedIdentities: [key.identity.id.toLowerCase()],
      encryption: {
        status: "enabled",
        keyIdentifier: keyId(key.vaultName, KEY_NAME, plan.keyVersion === "pinned" ? key.version : undefined),
        versionedKeyIdentifier: keyId(key.vaultName, KEY_NAME, key.version),
        identity: key.identity.clientId,
        lastKeyRotationTimestamp: at,
      },
      repositories: ["hello-world"],
    };
    world.registries[registry.id.toLowerCase()] = registry;
  }

  world.containerGroups = {};
  for (let i = 1; i <= fleet.containerGroups; i++) {
    // Offset so that groups and registries of the same index use different keys and subscriptions.
    const key = keyAt(i + 1);
    const sub = subscriptionAt(i + 1);
    const group: ContainerGroupRecord = {
      id: `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.ContainerInstance/containerGroups/${names.containerGroup(i)}`,
      name: names.containerGroup(i),
      resourceGroup: rg,
      location: LOCATION,
      createdAt: at,
      userAssignedIdentities: [key.identity.id.toLowerCase()],
      encryptionProperties: {
        vaultBaseUrl: `https://${key.vaultName}.vault.azure.net`,
        keyName: KEY_NAME,
        keyVersion: key.version,
        identity: key.identity.id,
      },
      containers: [{ name: "hello", image: IMAGE, cpu: 1, memoryInGB: 1.5 }],
    };
    world.containerGroups[group.id.toLowerCase()] = group;
  }
}
