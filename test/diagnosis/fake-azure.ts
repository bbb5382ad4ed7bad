// A CmkAzure that answers reads from plain data and records every call: for probe tests that count calls and waves.
// (The end-to-end tests use the real SDK clients against the sandbox; this one isolates the probe's scheduling.)
import {
  AzureFailure,
  type CallOptions,
  type CmkAzure,
  type DeletedKeyInfo,
  type DeletedVaultInfo,
  type IdentityInfo,
  type KeyInfo,
  type KeyVersionInfo,
  type RegistryDataPlaneCheck,
  type RegistryInfo,
  type RoleAssignmentInfo,
  type VaultInfo,
  type ActivityEventInfo,
  type DiagnosticSettingInfo,
  type KeyVaultAuditInfo,
  type ResourceChangeInfo,
} from "../../src/azure/types.js";

export interface FakeWorld {
  registry?: RegistryInfo;
  vault?: VaultInfo | null;
  deletedVault?: DeletedVaultInfo | null;
  key?: KeyInfo | AzureFailure;
  versions?: KeyVersionInfo[] | AzureFailure;
  deletedKey?: DeletedKeyInfo | null;
  identities?: IdentityInfo[];
  roleAssignments?: RoleAssignmentInfo[];
  dataPlane?: RegistryDataPlaneCheck | AzureFailure;
  /** Per-call delay, to observe parallelism. */
  delayMs?: number;
  /** Per-call delays overriding delayMs. */
  slow?: Record<string, number>;
  /** What the timeline's sources answer (default: no history, audit events on); not counted in `calls`. */
  timeline?: {
    changes?: ResourceChangeInfo[];
    activity?: ActivityEventInfo[];
    settings?: DiagnosticSettingInfo[] | AzureFailure;
    audit?: KeyVaultAuditInfo[] | AzureFailure;
  };
  /** Throw this from every call whose name matches. */
  failing?: { call: string; error: AzureFailure };
}

export const keyNotFound = () =>
  new AzureFailure("A key with (name/id) acr-key was not found", "key-not-found", {
    statusCode: 404,
    code: "KeyNotFound",
  });

export function fakeAzure(world: FakeWorld): CmkAzure & { calls: string[] } {
  const calls: string[] = [];
  const answer = async <T>(call: string, value: () => T | AzureFailure, options?: CallOptions): Promise<T> => {
    calls.push(call);
    const delayMs = world.slow?.[call] ?? world.delayMs;
    if (delayMs) {
      // Honours the abort signal as the SDK does: the probe cancels reads it no longer needs.
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, delayMs);
        options?.abortSignal?.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(Object.assign(new Error("The operation was aborted."), { name: "AbortError" }));
        });
      });
    }
    if (world.failing?.call === call) throw world.failing.error;
    const result = value();
    if (result instanceof AzureFailure) throw result;
    return result;
  };
  const notUsed = (name: string) => () => {
    throw new Error(`diagnose must not call ${name}`);
  };
  return {
    calls,
    subscriptionId: "00000000-0000-0000-0000-000000000001",
    place: { kind: "sandbox" },
    getRegistry: (ref) =>
      answer(
        "getRegistry",
        () =>
          world.registry ??
          new AzureFailure(`registry ${ref.name} not found`, "not-found", {
            statusCode: 404,
            code: "ResourceNotFound",
          }),
      ),
    findVaultByName: () => answer("findVaultByName", () => world.vault ?? null),
    findDeletedVault: () => answer("findDeletedVault", () => world.deletedVault ?? null),
    getKey: (_url, _name, _version, options) => answer("getKey", () => world.key ?? keyNotFound(), options),
    listKeyVersions: (_url, _name, options) =>
      answer("listKeyVersions", () => world.versions ?? keyNotFound(), options),
    getDeletedKey: () => answer("getDeletedKey", () => world.deletedKey ?? keyNotFound()),
    getUserAssignedIdentity: (id) =>
      answer(
        "getUserAssignedIdentity",
        () => world.identities?.find((i) => i.id === id) ?? new AzureFailure("gone", "not-found", { statusCode: 404 }),
      ),
    listUserAssignedIdentities: () => answer("listUserAssignedIdentities", () => world.identities ?? []),
    listRoleAssignments: () => answer("listRoleAssignments", () => world.roleAssignments ?? []),
    checkRegistryDataPlane: () => answer("checkRegistryDataPlane", () => world.dataPlane ?? { ok: true, status: 200 }),
    listRegistries: notUsed("listRegistries"),
    assignRegistryIdentities: notUsed("assignRegistryIdentities"),
    removeRegistryIdentities: notUsed("removeRegistryIdentities"),
    rotateRegistryKey: notUsed("rotateRegistryKey"),
    getVault: notUsed("getVault"),
    updateVaultNetworkAcls: notUsed("updateVaultNetworkAcls"),
    enableVaultPurgeProtection: notUsed("enableVaultPurgeProtection"),
    updateAccessPolicy: notUsed("updateAccessPolicy"),
    getDeletedVault: notUsed("getDeletedVault"),
    recoverDeletedVault: notUsed("recoverDeletedVault"),
    createRoleAssignment: notUsed("createRoleAssignment"),
    deleteRoleAssignment: notUsed("deleteRoleAssignment"),
    createKeyVersion: notUsed("createKeyVersion"),
    updateKey: notUsed("updateKey"),
    deleteKey: notUsed("deleteKey"),
    recoverDeletedKey: notUsed("recoverDeletedKey"),
    backupKey: notUsed("backupKey"),
    restoreKeyBackup: notUsed("restoreKeyBackup"),
    prepareTimeline: async () => {},
    listResourceChanges: async () => world.timeline?.changes ?? [],
    listActivityLog: async () => world.timeline?.activity ?? [],
    listDiagnosticSettings: async () => {
      const settings = world.timeline?.settings ?? [
        {
          name: "audit",
          workspaceId: "/subscriptions/s/resourceGroups/g/providers/Microsoft.OperationalInsights/workspaces/w",
          logs: [{ category: "AuditEvent", enabled: true }],
        },
      ];
      if (settings instanceof AzureFailure) throw settings;
      return settings;
    },
    queryKeyVaultAudit: async () => {
      const audit = world.timeline?.audit ?? [];
      if (audit instanceof AzureFailure) throw audit;
      return audit;
    },
  };
}
