// What the probe saw: every read it made, as a value or as the failure Azure answered. Rules read only this.
// A read that was not made (not needed, or its input was missing) is absent; a read that failed is evidence.
import type {
  DeletedKeyInfo,
  DeletedVaultInfo,
  IdentityInfo,
  KeyInfo,
  KeyVersionInfo,
  RegistryDataPlaneCheck,
  RegistryInfo,
  RoleAssignmentInfo,
  UserAssignedIdentityRef,
  VaultInfo,
} from "../azure/types.js";
import type { ReadFailure } from "./types.js";

/** One Azure read: its answer, or the failure it ended with. */
export type Read<T> = { ok: true; value: T } | { ok: false; error: ReadFailure };

/** The key the registry is configured with, taken apart (https://<vault>.vault.azure.net/keys/<name>[/<version>]). */
export interface KeyReference {
  vaultName: string;
  /** https://<vault>.vault.azure.net/ */
  vaultUrl: string;
  name: string;
  /** Present when the configured key id is versioned (manual rotation). */
  version?: string;
}

/** The identity the registry uses to reach its key, resolved from `encryption.identity`. */
export type EncryptionIdentity =
  | {
      kind: "user";
      clientId: string;
      /** The registry's own entry for this identity; absent when the registry no longer lists it. */
      assigned?: UserAssignedIdentityRef;
      /** GET of the identity resource (only when the registry lists it). */
      resource?: Read<IdentityInfo>;
      /** Found by client id in the subscription although the registry does not list it. */
      unassignedMatch?: Read<IdentityInfo | null>;
    }
  | {
      kind: "system";
      /** What encryption.identity says: the reserved word "system" or a client id. */
      configured: string;
      /** The registry's system identity object id; absent when the registry has none. */
      principalId?: string;
    };

export interface DiagnosisSnapshot {
  /** The clock the rules judge expiry against (ISO-8601). */
  now: string;
  subscriptionId: string;
  registry: RegistryInfo;
  /** Parsed from encryption.versionedKeyIdentifier ?? keyIdentifier; absent without CMK. */
  keyRef?: KeyReference;
  /** The version in use (from versionedKeyIdentifier, else the pinned version). */
  keyVersionInUse?: string;
  /** Set when encryption is enabled but the key id could not be parsed. */
  keyIdentifierProblem?: string;
  /** Live vault by name: null when no vault of that name exists in the subscription. */
  vault?: Read<VaultInfo | null>;
  /** Looked up only when the live vault is missing: null when no deleted record exists either. */
  deletedVault?: Read<DeletedVaultInfo | null>;
  /** Latest version of the key. */
  key?: Read<KeyInfo>;
  keyVersions?: Read<KeyVersionInfo[]>;
  /** Looked up only when the key is not found: null when no deleted record exists either. */
  deletedKey?: Read<DeletedKeyInfo | null>;
  /**
   * Set when the key was in neither list and the probe looked again (a deletion still in progress shows no record
   * yet): how long it looked. Absent when it did not look, or the look was cut short.
   */
  missingKeyLookedMs?: number;
  identity?: EncryptionIdentity;
  /** Role assignments at vault scope for the encryption identity's principal (RBAC vaults only). */
  roleAssignments?: Read<RoleAssignmentInfo[]>;
  /** The registry data plane's own answer: can its content be read right now. */
  dataPlane?: Read<RegistryDataPlaneCheck>;
}

/** What the probe cost: Azure calls made and sequential round trips on the critical path. */
export interface ProbeStats {
  calls: number;
  waves: number;
  elapsedMs: number;
  /** Each call with the wave it ran in, for the benchmark and for --verbose. */
  trace: Array<{ call: string; wave: number; ms: number; ok: boolean; cancelled?: boolean }>;
}

export function valueOf<T>(read: Read<T> | undefined): T | undefined {
  return read?.ok ? read.value : undefined;
}

export function failureOf(read: Read<unknown> | undefined): ReadFailure | undefined {
  return read && !read.ok ? read.error : undefined;
}
