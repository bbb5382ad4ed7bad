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

/**
 * What the fake saw of the probe's scheduling, independent of how fast the machine is:
 * - roundTrips: the longest chain of calls each started after the previous one answered (the sequential round trips
 *   a caller waits through; parallel reads add none);
 * - maxInFlight: the most calls waiting for an answer at once;
 * - inFlight: calls started and not yet answered (0 once a caller is done with everything it started);
 * - aborted: calls whose abort signal ended them before their answer.
 */
export interface FakeScheduling {
  roundTrips: number;
  maxInFlight: number;
  inFlight: number;
  aborted: string[];
}

export function fakeAzure(world: FakeWorld): CmkAzure & { calls: string[]; scheduling: FakeScheduling } {
  const calls: string[] = [];
  const scheduling: FakeScheduling = { roundTrips: 0, maxInFlight: 0, inFlight: 0, aborted: [] };
  // The depth of the deepest answer given so far: a call started now can depend on it, so it is one deeper.
  let answeredDepth = 0;
  const answer = async <T>(call: string, value: () => T | AzureFailure, options?: CallOptions): Promise<T> => {
    calls.push(call);
    const depth = answeredDepth + 1;
    scheduling.inFlight++;
    scheduling.maxInFlight = Math.max(scheduling.maxInFlight, scheduling.inFlight);
    try {
      const delayMs = world.slow?.[call] ?? world.delayMs;
      if (delayMs) {
        // Honours the abort signal as the SDK does: the probe cancels reads it no longer needs.
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, delayMs);
          options?.abortSignal?.addEventListener("abort", () => {
            clearTimeout(timer);
            scheduling.aborted.push(call);
            reject(Object.assign(new Error("The operation was aborted."), { name: "AbortError" }));
          });
        });
      } else {
        await Promise.resolve(); // answered asynchronously, as over the wire
      }
      if (world.failing?.call === call) throw world.failing.error;
      const result = value();
      if (result instanceof AzureFailure) throw result;
      return result;
    } finally {
      scheduling.inFlight--;
      answeredDepth = Math.max(answeredDepth, depth);
      scheduling.roundTrips = Math.max(scheduling.roundTrips, depth);
    }
  };
  const notUsed = (name: string) => () => {
    throw new Error(`diagnose must not call ${name}`);
  };
  return {
    calls,
    scheduling,
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
    getContainerGroup: notUsed("getContainerGroup"),
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
    // The fake's settings send to AzureDiagnostics; the resource-specific table does not exist in its workspace.
    queryKeyVaultAudit: async (_vault, table) => {
      const audit = world.timeline?.audit ?? [];
      if (audit instanceof AzureFailure) throw audit;
      return table === "AzureDiagnostics"
        ? { table, rows: audit, tableMissing: false }
        : { table, rows: [], tableMissing: true };
    },
  };
}
