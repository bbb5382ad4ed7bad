// The simulated Azure: one JSON document, persisted in the sandbox state file and shared by every command and a
// running `sandbox serve`. Plain data only (no classes) so it round-trips through JSON unchanged.
// Times are ISO-8601 strings against the sandbox clock (`clock.offsetMs` moves it forward: `sandbox advance`).

export const WORLD_VERSION = 1;

export interface World {
  /** Set by every write of the state file (a new one each time): how readers tell its versions apart (store.ts). */
  revision?: string;
  version: typeof WORLD_VERSION;
  subscriptionId: string;
  tenantId: string;
  /** The operator (caller of every request): Owner + Key Vault Administrator unless a scenario says otherwise. */
  operator: { objectId: string; appId: string };
  clock: { offsetMs: number };
  settings: WorldSettings;
  resourceGroups: string[];
  identities: Record<string, IdentityRecord>; // key: lower-cased resource id
  registries: Record<string, RegistryRecord>; // key: lower-cased resource id
  vaults: Record<string, VaultRecord>; // key: lower-cased vault name (vault names are global)
  roleAssignments: Record<string, RoleAssignmentRecord>; // key: lower-cased assignment id
  /** Everything a test may want to count (purge attempts must stay zero in acr-cmk's own suite). */
  counters: { requests: number; purgeRequests: number; writes: number };
  /** Pending long-running operations (registry updates, key recovery) by id. */
  operations: Record<string, OperationRecord>;
  /** More subscriptions of the same tenant (fleet worlds); absent in older state files: only `subscriptionId`. */
  subscriptions?: SubscriptionRecord[];
  /** Container groups encrypted with a customer-managed key (ACI); key: lower-cased resource id. */
  containerGroups?: Record<string, ContainerGroupRecord>;
  /** Resource Manager read tokens left per lower-cased subscription id (see settings.readBudget). */
  readTokens?: Record<string, { tokens: number; atMs: number }>;
  /**
   * Who changed what and when, oldest first: what the Activity Log, Resource Graph's resource changes and Key Vault's
   * audit events answer from (change-log.ts). Absent in older state files.
   */
  changes?: ChangeRecord[];
  /** Key Vault audit events (the AuditEvent category) of vaults whose diagnostic settings send them; oldest first. */
  auditEvents?: AuditEventRecord[];
  /** Log Analytics workspaces by lower-cased resource id. */
  workspaces?: Record<string, WorkspaceRecord>;
}

export interface SubscriptionRecord {
  subscriptionId: string;
  displayName: string;
  /** false: the operator holds no role there, so it is not listed and every read answers AuthorizationFailed. */
  readable: boolean;
}

/** An ACI container group; its encryption is fixed when it is deployed (seed: encryptionProperties). */
export interface ContainerGroupRecord {
  id: string;
  name: string;
  resourceGroup: string;
  location: string;
  createdAt: string;
  /** Lower-cased resource ids of the assigned user-assigned identities. */
  userAssignedIdentities: string[];
  encryptionProperties: {
    /** https://<vault>.vault.azure.net (the vault's DNS name). */
    vaultBaseUrl: string;
    keyName: string;
    keyVersion: string;
    /** Resource id of the user-assigned identity that reads the key. */
    identity: string;
  };
  containers: Array<{ name: string; image: string; cpu: number; memoryInGB: number }>;
}

/** How a change reached Azure, as Resource Graph's clientType and the audit events' clientInfo tell it. */
export const CHANGE_CLIENTS = ["portal", "cli", "template", "sdk", "powershell"] as const;
export type ChangeClient = (typeof CHANGE_CLIENTS)[number] | "unknown";

export interface ChangeRecord {
  /** A GUID: the change's correlation id in every source. */
  id: string;
  time: string;
  /** User principal name, or the app id of a service principal. */
  actor: string;
  client: ChangeClient;
  userAgent?: string;
  callerIp: string;
  /** "arm": Resource Manager (Activity Log, resource changes); "keyvault": data plane (audit events only). */
  plane: "arm" | "keyvault";
  /** ARM: the RBAC action (Microsoft.KeyVault/vaults/delete); Key Vault: the audit operation name (KeyDelete). */
  operation: string;
  resourceId: string;
  changeType: "Create" | "Update" | "Delete";
  /** ARM property paths (properties.networkAcls.defaultAction) before and after. */
  properties: Record<string, { previousValue: unknown; newValue: unknown }>;
  /** x-ms-request-id of the request that made it (absent for `sandbox break`). */
  requestId?: string;
}

export interface AuditEventRecord {
  time: string;
  vaultName: string;
  vaultId: string;
  /** KeyUnwrap, KeyWrap, KeyDelete, KeyUpdate, KeyCreate, KeyRecover, KeyPurge, KeyGet, ... */
  operation: string;
  httpStatusCode: number;
  /** OK, Forbidden, NotFound, Unauthorized ... (AzureDiagnostics' ResultSignature). */
  resultSignature: string;
  /** The Key Vault error code for a refusal (KeyNotFound, ForbiddenByPolicy, ForbiddenByFirewall, KeyDisabled). */
  resultDescription?: string;
  callerIp: string;
  /** UPN of a user caller; absent for a managed identity. */
  upn?: string;
  objectId?: string;
  appId?: string;
  clientInfo: string;
  /** The key id the operation named. */
  keyId: string;
  correlationId: string;
  /**
   * The workspaces and tables it was written to, from the vault's diagnostic settings at the time (absent in state
   * files written before tables were modelled: AzureDiagnostics in the workspaces the vault's settings name).
   */
  destinations?: AuditDestination[];
}

/** Key Vault's audit rows in Log Analytics: the shared AzureDiagnostics table, or the resource-specific one. */
export type AuditTable = "AzureDiagnostics" | "AZKVAuditLogs";

export interface AuditDestination {
  workspaceId: string;
  table: AuditTable;
}

export interface WorkspaceRecord {
  id: string;
  name: string;
  resourceGroup: string;
  /** The workspace id Log Analytics' query API takes (a GUID). */
  customerId: string;
}

export interface DiagnosticSettingRecord {
  name: string;
  /** Resource id of the Log Analytics workspace the logs go to. */
  workspaceId?: string;
  storageAccountId?: string;
  eventHubAuthorizationRuleId?: string;
  logs: Array<{ category?: string; categoryGroup?: string; enabled: boolean }>;
  /** "Dedicated": rows go to the resource-specific table (AZKVAuditLogs); absent: AzureDiagnostics. */
  logAnalyticsDestinationType?: "Dedicated";
}

export interface WorldSettings {
  /** Delay (ms) added to every response; benchmarks set it. */
  latencyMs: number;
  /** How long after a new key version an auto-rotating registry picks it up (docs: within 1 hour). */
  rotationPickupMs: number;
  /** How long a removed CMK identity keeps working (docs: usually three months). */
  identityGraceMs: number;
  /**
   * How long a key deleted through the data plane stays "being deleted" (neither live nor in the deleted list; see
   * key-deletion.ts). Absent in older state files: DEFAULT_KEY_DELETION_MS.
   */
  keyDeletionMs?: number;
  /** Injected faults, matched in order; each fires `remaining` times (or forever when absent). */
  faults: FaultRule[];
  /**
   * Resource Manager's per-subscription read limit as a token bucket (bucket size, tokens refilled per second);
   * absent: reads are never throttled.
   */
  readBudget?: { bucket: number; refillPerSecond: number };
  /** Monitoring reads the operator lacks the role for (drills of a timeline source that cannot be read): 403. */
  deniedReads?: MonitoringRead[];
}

export const MONITORING_READS = ["activity-log", "resource-graph", "log-analytics", "diagnostic-settings"] as const;
export type MonitoringRead = (typeof MONITORING_READS)[number];

export interface FaultRule {
  /** Substring or /regex/ matched against "METHOD url". */
  match: string;
  status: 429 | 500 | 503;
  retryAfterSeconds?: number;
  remaining?: number;
}

export interface IdentityRecord {
  id: string;
  name: string;
  resourceGroup: string;
  location: string;
  principalId: string;
  clientId: string;
  tenantId: string;
}

export interface RegistryRecord {
  id: string;
  name: string;
  resourceGroup: string;
  location: string;
  sku: "Basic" | "Standard" | "Premium";
  createdAt: string;
  /** System-assigned identity, when enabled. */
  systemIdentity?: { principalId: string; clientId: string; tenantId: string };
  /** Lower-cased resource ids of assigned user-assigned identities (original casing kept in `identities`). */
  userAssignedIdentities: string[];
  encryption: {
    status: "enabled" | "disabled";
    /** As configured (versioned or versionless). */
    keyIdentifier?: string;
    /** The version in use. */
    versionedKeyIdentifier?: string;
    /** Client id of the UAI, or "system". */
    identity?: string;
    lastKeyRotationTimestamp?: string;
  };
  /** The CMK identity was removed from the registry: rotation fails now, data fails after `expiresAt`. */
  identityDetached?: {
    identity: string;
    detachedAt: string;
    expiresAt: string;
    /** Object id of the detached identity: its vault access keeps the data readable until `expiresAt`. */
    principalId?: string;
  };
  /** The vault firewall was switched on after encryption: the registry stays out until its key is reconfigured. */
  firewallStale?: boolean;
  /** Repositories in the registry's data plane. */
  repositories: string[];
}

export interface AccessPolicyRecord {
  tenantId: string;
  objectId: string;
  permissions: { keys: string[]; secrets: string[]; certificates: string[] };
}

export interface VaultRecord {
  id: string;
  name: string;
  resourceGroup: string;
  location: string;
  tenantId: string;
  sku: "standard" | "premium";
  enableSoftDelete: boolean;
  softDeleteRetentionInDays: number;
  /** Once true, never false again. */
  enablePurgeProtection: boolean;
  enableRbacAuthorization: boolean;
  publicNetworkAccess: "Enabled" | "Disabled";
  networkAcls: {
    defaultAction: "Allow" | "Deny";
    bypass: "AzureServices" | "None";
    ipRules: string[];
    virtualNetworkRules: string[];
  };
  accessPolicies: AccessPolicyRecord[];
  createdAt: string;
  /** Soft-deleted vault: ARM 404 on GET, listed under deletedVaults, data plane gone (DNS). */
  deleted?: { deletionDate: string; scheduledPurgeDate: string };
  /** Purged (only through incidents): the name is free again and nothing can be recovered. */
  purged?: boolean;
  keys: Record<string, KeyRecord>; // key: lower-cased key name
  /** Where the vault sends its logs (Microsoft.Insights/diagnosticSettings); absent or empty: nowhere. */
  diagnosticSettings?: DiagnosticSettingRecord[];
}

export interface KeyVersionRecord {
  version: string; // 32 hex chars
  kty: "RSA" | "RSA-HSM" | "EC" | "EC-HSM";
  keySize?: number;
  crv?: string;
  keyOps: string[];
  enabled: boolean;
  /** ISO times; `exp`/`nbf` optional. */
  created: string;
  updated: string;
  exp?: string;
  nbf?: string;
  /** Public modulus (base64url) for the JWK; no private key material is ever kept or returned. */
  n?: string;
  e?: string;
  tags?: Record<string, string>;
}

export interface KeyRecord {
  name: string;
  /** Oldest first; the last one is the current version. */
  versions: KeyVersionRecord[];
  /** Soft-deleted; until `completesAt` (sandbox clock) the deletion is still in progress (key-deletion.ts). */
  deleted?: { deletedDate: string; scheduledPurgeDate: string; completesAt?: string };
  purged?: boolean;
}

export interface RoleAssignmentRecord {
  id: string;
  name: string;
  scope: string;
  roleDefinitionId: string;
  principalId: string;
  principalType: string;
  createdAt: string;
}

export interface OperationRecord {
  id: string;
  kind: "registry-create" | "registry-update" | "key-recover" | "key-delete";
  resourceId: string;
  /** Polls left before the operation reports Succeeded. */
  pollsLeft: number;
  status: "InProgress" | "Succeeded" | "Failed";
  error?: { code: string; message: string };
}

/** Role definition ids (subscription-scoped in Azure). */
export const ROLE = {
  cryptoServiceEncryptionUser: "e147488a-f6f5-4113-8e2d-b22465e65bf6",
  cryptoOfficer: "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",
  cryptoUser: "12338af0-0e69-4776-bea7-57ae8d297424",
  keyVaultAdministrator: "00482a5a-887f-4fb3-b363-3b7fe8e74483",
  owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
} as const;
