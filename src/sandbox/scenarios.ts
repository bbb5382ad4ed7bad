// Fresh simulated worlds for `sandbox init`: healthy CMK registries set up the way the Microsoft docs
// (https://learn.microsoft.com/en-us/azure/container-registry/tutorial-enable-customer-managed-keys) tell you to, with friendly, deterministic names so the README and drills can quote commands.
import { randomBytes } from "node:crypto";
import { setUpAuditLogs, type AuditLogsMode } from "./audit-logs.js";
import { OPERATOR_CLIENT_ADDRESS } from "./http/keyvault-gate.js";
import { addSharedKeyFleet, planFleet, type FleetOptions, type FleetPlan } from "./fleet-scenario.js";
import { DEFAULT_KEY_DELETION_MS } from "./key-deletion.js";
import { ARM_READ_BUDGET } from "./http/read-budget.js";
import {
  identityId,
  keyId,
  newGuid,
  newKeyVersion,
  registryId,
  roleAssignmentId,
  roleDefinitionId,
  vaultResourceId,
} from "./ids.js";
import {
  ROLE,
  WORLD_VERSION,
  type IdentityRecord,
  type KeyVersionRecord,
  type RegistryRecord,
  type RoleAssignmentRecord,
  type VaultRecord,
  type World,
} from "./world.js";

export const SCENARIO_NAMES = [
  "default",
  "rbac",
  "system-identity",
  "pinned",
  "no-purge-protection",
  "firewall",
  "fleet",
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export const SCENARIO_DESCRIPTIONS: Record<ScenarioName, string> = {
  default: "one Premium CMK registry, user-assigned identity, access policy, automatic rotation, purge protection on",
  rbac: "the vault uses Azure RBAC: the identity holds Key Vault Crypto Service Encryption User on the vault",
  "system-identity": "the registry encrypts with its system-assigned identity (the user-assigned one stays assigned)",
  pinned: "the registry pins a key version (manual rotation)",
  "no-purge-protection": "the vault has soft delete but no purge protection (a warning diagnose should raise)",
  firewall: "the vault firewall denies public traffic but allows trusted Azure services, set before encryption",
  fleet: "several CMK registries (3 unless --registries says otherwise), each with its own identity and vault",
};

export interface ScenarioOptions extends FleetOptions {
  scenario?: ScenarioName;
  identity?: "user" | "system";
  access?: "policy" | "rbac";
  keyVersion?: "latest" | "pinned";
  registries?: number;
  /** Whether vaults send their audit events to a Log Analytics workspace, and to which table (default "on"). */
  auditLogs?: AuditLogsMode;
  /** Sandbox time of creation (tests); defaults to the real clock. */
  now?: Date;
}

/** What a scenario resolves to once named defaults and explicit options are merged. */
export interface ScenarioPlan {
  scenario: ScenarioName;
  identity: "user" | "system";
  access: "policy" | "rbac";
  keyVersion: "latest" | "pinned";
  registries: number;
  purgeProtection: boolean;
  firewall: boolean;
  /** Set when registries share keys over several subscriptions, with container groups (fleet options). */
  fleet?: FleetPlan;
}

export const MAX_REGISTRIES = 50;
/** Registries that share keys (--keys) cost no vault each, so a fleet world may hold many more. */
export const MAX_FLEET_REGISTRIES = 5000;
export const DEMO_RESOURCE_GROUP = "rg-acr-cmk-demo";
const LOCATION = "westeurope";
const KEY_NAME = "acr-cmk";
const DAY_MS = 24 * 60 * 60 * 1000;
const REPOSITORIES = ["hello-world", "payments/api", "payments/worker"];

/** Key permissions the docs grant the registry identity (`az keyvault set-policy --key-permissions get unwrapKey wrapKey`). */
const REGISTRY_KEY_PERMISSIONS = ["get", "wrapKey", "unwrapKey"];
/** What the portal grants a vault's creator: key management without purge (acr-cmk never purges). */
const OPERATOR_KEY_PERMISSIONS = [
  "get",
  "list",
  "update",
  "create",
  "import",
  "delete",
  "recover",
  "backup",
  "restore",
  "rotate",
  "getrotationpolicy",
  "setrotationpolicy",
];

export function planScenario(options: ScenarioOptions): ScenarioPlan {
  const scenario = options.scenario ?? "default";
  const registries = options.registries ?? (scenario === "fleet" ? 3 : 1);
  const fleet = planFleet(options, registries);
  const max = fleet ? MAX_FLEET_REGISTRIES : MAX_REGISTRIES;
  if (!Number.isInteger(registries) || registries < 1 || registries > max) {
    throw new RangeError(
      `--registries must be a whole number from 1 to ${max}${fleet ? "" : ` (up to ${MAX_FLEET_REGISTRIES} with --keys)`} (got ${registries})`,
    );
  }
  return {
    ...(fleet ? { fleet } : {}),
    scenario,
    identity: options.identity ?? (scenario === "system-identity" ? "system" : "user"),
    access: options.access ?? (scenario === "rbac" ? "rbac" : "policy"),
    keyVersion: options.keyVersion ?? (scenario === "pinned" ? "pinned" : "latest"),
    registries,
    purgeProtection: scenario !== "no-purge-protection",
    firewall: scenario === "firewall",
  };
}

/** Names of the i-th registry's resources (1-based); a fleet adds -01…-n suffixes (registries allow no dashes). */
export function demoNames(
  index: number,
  count: number,
): { registry: string; vault: string; identity: string; key: string } {
  const suffix = count > 1 ? String(index).padStart(2, "0") : "";
  const dash = suffix ? `-${suffix}` : "";
  return {
    registry: `acrcmkdemo${suffix}`,
    vault: `kv-acr-cmk-demo${dash}`,
    identity: `id-acr-cmk${dash}`,
    key: KEY_NAME,
  };
}

/**
 * The public half of an RSA key for the JWK. The sandbox keeps no private key material and performs no real
 * cryptography, so a shape-valid modulus (full length, top bit set, odd) is enough and costs nothing to make,
 * unlike generating a real key pair for every version in every test world.
 */
function rsaPublicKey(bits: number): { n: string; e: string } {
  const modulus = randomBytes(bits / 8);
  modulus[0] = (modulus[0] ?? 0) | 0x80;
  modulus[modulus.length - 1] = (modulus[modulus.length - 1] ?? 0) | 0x01;
  return { n: modulus.toString("base64url"), e: "AQAB" };
}

export function newRsaKeyVersion(created: Date, bits = 2048): KeyVersionRecord {
  const iso = created.toISOString();
  return {
    version: newKeyVersion(),
    kty: "RSA",
    keySize: bits,
    keyOps: ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"],
    enabled: true,
    created: iso,
    updated: iso,
    ...rsaPublicKey(bits),
  };
}

export function roleAssignment(
  world: World,
  scope: string,
  role: string,
  principalId: string,
  principalType: string,
  at: string,
): RoleAssignmentRecord {
  const name = newGuid();
  const id = roleAssignmentId(scope, name);
  const assignment = {
    id,
    name,
    scope,
    roleDefinitionId: roleDefinitionId(world.subscriptionId, role),
    principalId,
    principalType,
    createdAt: at,
  };
  world.roleAssignments[id.toLowerCase()] = assignment;
  return assignment;
}

function emptyWorld(now: Date): World {
  const subscriptionId = newGuid();
  const world: World = {
    version: WORLD_VERSION,
    subscriptionId,
    tenantId: newGuid(),
    operator: { objectId: newGuid(), appId: newGuid() },
    clock: { offsetMs: 0 },
    settings: {
      latencyMs: 0,
      rotationPickupMs: 60 * 60 * 1000,
      identityGraceMs: 90 * DAY_MS,
      keyDeletionMs: DEFAULT_KEY_DELETION_MS,
      faults: [],
      readBudget: { ...ARM_READ_BUDGET },
    },
    resourceGroups: [DEMO_RESOURCE_GROUP],
    identities: {},
    registries: {},
    vaults: {},
    roleAssignments: {},
    counters: { requests: 0, purgeRequests: 0, writes: 0 },
    operations: {},
  };
  // The operator: Owner + Key Vault Administrator at subscription scope, so every runbook step is allowed (README, drill).
  const at = now.toISOString();
  const subscription = `/subscriptions/${subscriptionId}`;
  roleAssignment(world, subscription, ROLE.owner, world.operator.objectId, "User", at);
  roleAssignment(world, subscription, ROLE.keyVaultAdministrator, world.operator.objectId, "User", at);
  return world;
}

function addIdentity(world: World, name: string): IdentityRecord {
  const identity: IdentityRecord = {
    id: identityId(world.subscriptionId, DEMO_RESOURCE_GROUP, name),
    name,
    resourceGroup: DEMO_RESOURCE_GROUP,
    location: LOCATION,
    principalId: newGuid(),
    clientId: newGuid(),
    tenantId: world.tenantId,
  };
  world.identities[identity.id.toLowerCase()] = identity;
  return identity;
}

export function addVault(world: World, name: string, plan: ScenarioPlan, now: Date): VaultRecord {
  const vault: VaultRecord = {
    id: vaultResourceId(world.subscriptionId, DEMO_RESOURCE_GROUP, name),
    name,
    resourceGroup: DEMO_RESOURCE_GROUP,
    location: LOCATION,
    tenantId: world.tenantId,
    sku: "standard",
    enableSoftDelete: true,
    softDeleteRetentionInDays: 90,
    enablePurgeProtection: plan.purgeProtection,
    enableRbacAuthorization: plan.access === "rbac",
    publicNetworkAccess: "Enabled",
    networkAcls: plan.firewall
      ? // The operator's own address is allowed, as an admin would: the operator is not a trusted Azure service.
        {
          defaultAction: "Deny",
          bypass: "AzureServices",
          ipRules: [`${OPERATOR_CLIENT_ADDRESS}/32`],
          virtualNetworkRules: [],
        }
      : { defaultAction: "Allow", bypass: "AzureServices", ipRules: [], virtualNetworkRules: [] },
    // A policy vault's creator gets an access policy; an RBAC vault ignores policies (the operator's role covers it).
    accessPolicies:
      plan.access === "policy"
        ? [
            {
              tenantId: world.tenantId,
              objectId: world.operator.objectId,
              permissions: { keys: [...OPERATOR_KEY_PERMISSIONS], secrets: [], certificates: [] },
            },
          ]
        : [],
    createdAt: now.toISOString(),
    keys: {},
  };
  world.vaults[name.toLowerCase()] = vault;
  return vault;
}

export function grantKeyAccess(world: World, vault: VaultRecord, principalId: string, at: string): void {
  if (vault.enableRbacAuthorization) {
    roleAssignment(world, vault.id, ROLE.cryptoServiceEncryptionUser, principalId, "ServicePrincipal", at);
  } else {
    vault.accessPolicies.push({
      tenantId: world.tenantId,
      objectId: principalId,
      permissions: { keys: [...REGISTRY_KEY_PERMISSIONS], secrets: [], certificates: [] },
    });
  }
}

function addRegistry(world: World, index: number, plan: ScenarioPlan, now: Date): void {
  const names = demoNames(index, plan.registries);
  const at = now.toISOString();
  const identity = addIdentity(world, names.identity);
  const vault = addVault(world, names.vault, plan, now);
  const version = newRsaKeyVersion(now);
  vault.keys[names.key.toLowerCase()] = { name: names.key, versions: [version] };

  const registry: RegistryRecord = {
    id: registryId(world.subscriptionId, DEMO_RESOURCE_GROUP, names.registry),
    name: names.registry,
    resourceGroup: DEMO_RESOURCE_GROUP,
    location: LOCATION,
    sku: "Premium",
    createdAt: at,
    userAssignedIdentities: [identity.id.toLowerCase()],
    encryption: {
      status: "enabled",
      keyIdentifier: keyId(vault.name, names.key, plan.keyVersion === "pinned" ? version.version : undefined),
      versionedKeyIdentifier: keyId(vault.name, names.key, version.version),
      identity: identity.clientId,
      lastKeyRotationTimestamp: at,
    },
    repositories: [...REPOSITORIES],
  };
  if (plan.identity === "system") {
    // CMK starts with a user-assigned identity (docs); this registry was later switched to its system identity.
    // The user-assigned identity stays assigned but holds no key access, so a drill has to grant it.
    registry.systemIdentity = { principalId: newGuid(), clientId: newGuid(), tenantId: world.tenantId };
    registry.encryption.identity = "system";
    grantKeyAccess(world, vault, registry.systemIdentity.principalId, at);
  } else {
    grantKeyAccess(world, vault, identity.principalId, at);
  }
  world.registries[registry.id.toLowerCase()] = registry;
}

/** A fresh, healthy world for the scenario. Throws RangeError for an impossible option. */
export function createWorld(options: ScenarioOptions = {}): World {
  const plan = planScenario(options);
  const now = options.now ?? new Date();
  const world = emptyWorld(now);
  if (plan.fleet) addSharedKeyFleet(world, plan, plan.fleet, now);
  else for (let i = 1; i <= plan.registries; i++) addRegistry(world, i, plan, now);
  if (options.latencyMs !== undefined) world.settings.latencyMs = options.latencyMs;
  setUpAuditLogs(world, options.auditLogs ?? "on", DEMO_RESOURCE_GROUP);
  return world;
}
