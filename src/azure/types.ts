// The CmkAzure port: every read and write the runbooks and the diagnosis need, in our own plain types.
// Nothing outside src/azure sees an SDK type; the SDK-backed implementation lives in ./cmk-azure.ts.
import type { TimelineReads } from "./timeline-types.js";

export * from "./timeline-types.js";

/** Options every port call takes, as the Azure SDK's own operations do. */
export interface CallOptions {
  abortSignal?: AbortSignal;
}

/** A registry named by resource group and name (the subscription is the port's). */
/** A container group by resource group and name, in the port's subscription. */
export interface ContainerGroupRef {
  resourceGroup: string;
  name: string;
}

export interface RegistryRef {
  resourceGroup: string;
  name: string;
}

export interface VaultRef {
  resourceGroup: string;
  name: string;
}

export type IdentityType = "None" | "SystemAssigned" | "UserAssigned" | "SystemAssigned, UserAssigned";

export interface UserAssignedIdentityRef {
  /** ARM resource id of the user-assigned identity. */
  id: string;
  principalId?: string;
  clientId?: string;
}

export interface RegistryEncryption {
  status: "enabled" | "disabled";
  /** As configured: versionless (automatic rotation) or versioned (manual rotation). */
  keyIdentifier?: string;
  /** Read-only: the key version in use. */
  versionedKeyIdentifier?: string;
  /** Client id of the user-assigned identity, or "system" / the system identity's client id. */
  identity?: string;
  keyRotationEnabled?: boolean;
  lastKeyRotationTimestamp?: string;
}

export interface RegistryInfo {
  id: string;
  name: string;
  resourceGroup: string;
  location: string;
  sku: string;
  loginServer?: string;
  provisioningState?: string;
  identity: {
    type: IdentityType;
    /** Object id of the system-assigned identity, when there is one. */
    principalId?: string;
    tenantId?: string;
    userAssigned: UserAssignedIdentityRef[];
  };
  encryption: RegistryEncryption;
}

export interface IdentityInfo {
  id: string;
  name: string;
  resourceGroup: string;
  principalId: string;
  clientId: string;
  tenantId: string;
}

export interface KeyPermissions {
  keys: string[];
  secrets: string[];
  certificates: string[];
}

export interface AccessPolicyEntry {
  tenantId: string;
  objectId: string;
  permissions: KeyPermissions;
}

export interface NetworkAcls {
  defaultAction: "Allow" | "Deny";
  bypass: "AzureServices" | "None";
  ipRules: string[];
  virtualNetworkRules: string[];
}

export interface VaultInfo {
  id: string;
  name: string;
  resourceGroup: string;
  location: string;
  /** https://<vault>.vault.azure.net/ as Azure reports it. */
  vaultUri: string;
  tenantId: string;
  enableSoftDelete: boolean;
  softDeleteRetentionInDays: number;
  enablePurgeProtection: boolean;
  enableRbacAuthorization: boolean;
  publicNetworkAccess: string;
  networkAcls: NetworkAcls;
  accessPolicies: AccessPolicyEntry[];
}

export interface DeletedVaultInfo {
  id: string;
  name: string;
  /** Resource id of the vault before it was deleted. */
  vaultId: string;
  location: string;
  deletionDate?: string;
  scheduledPurgeDate?: string;
  purgeProtectionEnabled: boolean;
}

export interface RoleAssignmentInfo {
  id: string;
  name: string;
  scope: string;
  roleDefinitionId: string;
  principalId: string;
  principalType?: string;
}

export interface KeyInfo {
  /** Versioned key id: https://<vault>.vault.azure.net/keys/<name>/<version>. */
  id: string;
  vaultUrl: string;
  name: string;
  version: string;
  keyType: string;
  keyOps: string[];
  enabled: boolean;
  expiresOn?: string;
  notBefore?: string;
  createdOn?: string;
  updatedOn?: string;
  recoveryLevel?: string;
}

export interface KeyVersionInfo {
  id: string;
  version: string;
  enabled: boolean;
  expiresOn?: string;
  notBefore?: string;
  createdOn?: string;
}

export interface DeletedKeyInfo extends KeyInfo {
  recoveryId?: string;
  deletedOn?: string;
  scheduledPurgeDate?: string;
}

/** What the registry's own data plane answered: the closest thing Azure has to "can it read its key". */
export interface RegistryDataPlaneCheck {
  ok: boolean;
  status?: number;
  code?: string;
  message?: string;
}

export interface IdentityChange {
  /** Resource ids of user-assigned identities. */
  userAssigned?: string[];
  systemAssigned?: boolean;
}

export interface RotateKeyParams {
  /** Versioned or versionless key id. */
  keyIdentifier: string;
  /** Client id of a user-assigned identity, or "system". */
  identity: string;
}

export interface KeyUpdate {
  enabled?: boolean;
  /** ISO-8601; null clears the expiry. */
  expiresOn?: string | null;
}

export interface RecoverVaultParams {
  resourceGroup: string;
  name: string;
  location: string;
  /** The vault's tenant; found from the subscription's other vaults or identities when absent. */
  tenantId?: string;
}

/** Subscription states as Resource Manager reports them; only an Enabled one accepts the changes a runbook makes. */
export type KnownSubscriptionState = "Enabled" | "Warned" | "PastDue" | "Disabled" | "Deleted";

/** One subscription the signed-in identity can see (GET /subscriptions). */
export interface SubscriptionInfo {
  /** `/subscriptions/<guid>`. */
  id: string;
  subscriptionId: string;
  /** The subscription's name; its id when Azure gives none. */
  displayName: string;
  tenantId?: string;
  /** A known state, or whatever newer value Azure sends (extensible enum); "Unknown" when absent. */
  state: KnownSubscriptionState | (string & {});
}

/** An ACI container group with `encryptionProperties` (its key is fixed when it is deployed). */
export interface ContainerGroupInfo {
  id: string;
  name: string;
  resourceGroup: string;
  subscriptionId: string;
  location: string;
  identity: { type: string; userAssigned: UserAssignedIdentityRef[] };
  encryption: {
    /** https://<vault>.vault.azure.net */
    vaultBaseUrl: string;
    keyName: string;
    keyVersion: string;
    /** Resource id of the user-assigned identity that reads the key; absent: the ACI service principal does. */
    identity?: string;
  };
  containers: Array<{ name: string; image: string; cpu?: number; memoryInGB?: number }>;
  osType?: string;
}

/** A registry or container group that reads a key (Resource Graph), for an approval's blast radius. */
export interface KeyUser {
  id: string;
  type: "registry" | "containerGroup";
  /** The key version it reads; undefined when Azure does not say. */
  keyVersion?: string;
  /** Client id (registries) or resource id (container groups) of the identity it reads the key with. */
  identity?: string;
}

// The port's resource groups below are each implemented by one module of ./port (e.g. port/keys.ts implements
// `Pick<CmkAzure, "getKey" | …>`), so every signature is written, and documented, only here.

/**
 * Where a port's calls land: Azure itself, or a simulated Azure (the embedded sandbox and its state file, or a running
 * `sandbox serve`). A run records it, so that it is never continued anywhere else.
 */
export type AzurePlace =
  | { kind: "cloud" }
  | {
      kind: "sandbox";
      /** Absolute path of the state file; absent for a world that lives in memory only (tests). */
      stateFile?: string;
      /** The `sandbox serve` address, when the port talks to a running server. */
      url?: string;
    };

export interface CmkAzure extends TimelineReads {
  readonly subscriptionId: string;
  readonly place: AzurePlace;

  // Container registries (Microsoft.ContainerRegistry)
  getRegistry(ref: RegistryRef, options?: CallOptions): Promise<RegistryInfo>;
  listRegistries(options?: CallOptions): Promise<RegistryInfo[]>;
  assignRegistryIdentities(ref: RegistryRef, change: IdentityChange, options?: CallOptions): Promise<RegistryInfo>;
  removeRegistryIdentities(ref: RegistryRef, change: IdentityChange, options?: CallOptions): Promise<RegistryInfo>;
  /** `az acr encryption rotate-key`: set keyIdentifier and identity. */
  rotateRegistryKey(ref: RegistryRef, params: RotateKeyParams, options?: CallOptions): Promise<RegistryInfo>;
  /** Lists the registry's repositories through its data plane (token exchange included). */
  checkRegistryDataPlane(registry: RegistryInfo, options?: CallOptions): Promise<RegistryDataPlaneCheck>;

  // Container groups (Microsoft.ContainerInstance), read only
  /** The group and the key path its `encryptionProperties` name; null when it has none (no customer-managed key). */
  getContainerGroup(ref: ContainerGroupRef, options?: CallOptions): Promise<ContainerGroupInfo | null>;

  // Managed identities (Microsoft.ManagedIdentity)
  getUserAssignedIdentity(resourceId: string, options?: CallOptions): Promise<IdentityInfo>;
  listUserAssignedIdentities(options?: CallOptions): Promise<IdentityInfo[]>;

  // Key vaults, management plane (Microsoft.KeyVault)
  getVault(ref: VaultRef, options?: CallOptions): Promise<VaultInfo>;
  /** Finds a live vault by name anywhere in the subscription (key ids name the vault, not its group); null if none. */
  findVaultByName(name: string, options?: CallOptions): Promise<VaultInfo | null>;
  updateVaultNetworkAcls(
    ref: VaultRef,
    change: Partial<Pick<NetworkAcls, "bypass" | "defaultAction">>,
    options?: CallOptions,
  ): Promise<VaultInfo>;
  enableVaultPurgeProtection(ref: VaultRef, options?: CallOptions): Promise<VaultInfo>;
  updateAccessPolicy(
    ref: VaultRef,
    kind: "add" | "remove" | "replace",
    entry: AccessPolicyEntry,
    options?: CallOptions,
  ): Promise<AccessPolicyEntry[]>;
  /** A soft-deleted vault by name, searched in every location; null if none. */
  findDeletedVault(name: string, options?: CallOptions): Promise<DeletedVaultInfo | null>;
  getDeletedVault(name: string, location: string, options?: CallOptions): Promise<DeletedVaultInfo>;
  /** PUT with createMode "recover". */
  recoverDeletedVault(params: RecoverVaultParams, options?: CallOptions): Promise<VaultInfo>;

  // Role assignments (Microsoft.Authorization) at vault scope
  listRoleAssignments(
    scope: string,
    filter?: { principalId?: string },
    options?: CallOptions,
  ): Promise<RoleAssignmentInfo[]>;
  createRoleAssignment(
    scope: string,
    params: { roleDefinitionId: string; principalId: string; principalType?: string },
    options?: CallOptions,
  ): Promise<RoleAssignmentInfo>;
  deleteRoleAssignment(roleAssignmentId: string, options?: CallOptions): Promise<void>;

  // Keys, data plane (https://<vault>.vault.azure.net)
  getKey(vaultUrl: string, name: string, version?: string, options?: CallOptions): Promise<KeyInfo>;
  /** Oldest first, as the key's history reads. */
  listKeyVersions(vaultUrl: string, name: string, options?: CallOptions): Promise<KeyVersionInfo[]>;
  /** Creates a new RSA version of the key (or the key itself). */
  createKeyVersion(
    vaultUrl: string,
    name: string,
    params?: { keySize?: number; expiresOn?: string },
    options?: CallOptions,
  ): Promise<KeyInfo>;
  updateKey(
    vaultUrl: string,
    name: string,
    version: string | undefined,
    update: KeyUpdate,
    options?: CallOptions,
  ): Promise<KeyInfo>;
  /** Soft delete (waits for the SDK poller). */
  deleteKey(vaultUrl: string, name: string, options?: CallOptions): Promise<DeletedKeyInfo>;
  getDeletedKey(vaultUrl: string, name: string, options?: CallOptions): Promise<DeletedKeyInfo>;
  recoverDeletedKey(vaultUrl: string, name: string, options?: CallOptions): Promise<KeyInfo>;
  backupKey(vaultUrl: string, name: string, options?: CallOptions): Promise<Uint8Array>;
  restoreKeyBackup(vaultUrl: string, backup: Uint8Array, options?: CallOptions): Promise<KeyInfo>;

  // Azure Resource Graph, across every subscription the identity can see
  /** Every registry and container group that reads the key (versionless key id, any version). Optional: fakes may lack it. */
  findKeyUsers?(keyId: string, options?: CallOptions): Promise<KeyUser[]>;
}

/** Typed causes, decided from RestError codes and status, never from message text. */
export type AzureCause =
  | "not-found" // ARM 404 ResourceNotFound / ResourceGroupNotFound
  | "key-not-found" // data plane 404 KeyNotFound
  | "deleted-vault-not-found" // DeletedVaultNotFound / SoftDeletedVaultDoesNotExist
  | "deleted-but-recoverable" // 409 ObjectIsDeletedButRecoverable / ConflictError for a vault name
  | "forbidden-by-firewall" // 403 ForbiddenByFirewall
  | "forbidden-by-policy" // 403 ForbiddenByPolicy / AccessDenied
  | "forbidden-by-rbac" // 403 ForbiddenByRbac
  | "key-disabled" // 403 KeyDisabled
  | "identity-inaccessible" // ACR: does not have access to identity / identity inactive
  | "authorization-failed" // ARM AuthorizationFailed (the operator's own rights)
  | "conflict"
  | "bad-request"
  | "throttled"
  | "unavailable" // 5xx after retries
  | "network" // no HTTP response at all (DNS failure of a deleted vault, connection reset)
  | "auth" // no credential / token acquisition failed
  | "unknown";

/** Every failure that leaves src/azure is one of these (`kind` is the typed cause); the SDK's RestError travels along as `original`. */
export class AzureFailure extends Error {
  override readonly name = "AzureFailure";
  constructor(
    message: string,
    readonly kind: AzureCause,
    readonly details: {
      statusCode?: number;
      code?: string;
      innerCode?: string;
      requestId?: string;
      operation?: string;
      original?: unknown;
    } = {},
  ) {
    super(message);
  }
}

export function isAzureFailure(error: unknown, kind?: AzureCause): error is AzureFailure {
  return error instanceof AzureFailure && (kind === undefined || error.kind === kind);
}
