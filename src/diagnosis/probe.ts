// The probe: reads a registry's CMK setup through the CmkAzure port into a DiagnosisSnapshot, in as few sequential
// round trips as the data allows. Wave 1 reads the registry; wave 2 reads everything that depends on it, in parallel;
// wave 3 happens only where a read needs wave 2's answer: a deleted vault or key record (after a live one is missing),
// and role assignments (they need the vault's resource id and only matter when the vault uses Azure RBAC).
// Each Azure read happens at most once. A failed read is recorded as evidence; only failures that make the whole
// diagnosis meaningless (no credential, throttling or outages after the SDK's retries) end it.
import { parseKeyId } from "../azure/ids.js";
import {
  isAzureFailure,
  type AzureCause,
  type CmkAzure,
  type IdentityInfo,
  type RegistryInfo,
  type RegistryRef,
} from "../azure/types.js";
import { DEFAULT_MISSING_KEY_LOOK, findDeletedKey, lookWhileMissing, type MissingKeyLook } from "./missing-key-look.js";
import type { ReadFailure } from "./types.js";
import type { DiagnosisSnapshot, EncryptionIdentity, KeyReference, ProbeStats, Read } from "./snapshot.js";

export interface ProbeOptions {
  abortSignal?: AbortSignal;
  /** The clock expiry is judged against; the sandbox's clock in sandbox mode. */
  now?: () => Date;
  /**
   * A key in neither the live nor the deleted list may be seconds into its soft delete (Key Vault is eventually
   * consistent): look again this often, this long, before calling it purged. Default every 2 s for 30 s, as long as
   * the key-deleted runbook looks: diagnose must not call purged what the runbook would then recover.
   */
  missingKeyLook?: MissingKeyLook;
  /**
   * Told once, as soon as the probe knows the registry's vault (live, soft-deleted, or none): the timeline's reads
   * start then, alongside the probe's remaining ones. `wave` is the wave that found it.
   */
  onVaultResolved?: (
    registry: RegistryInfo,
    vault: { id: string; name: string; resourceGroup: string } | null,
    wave: number,
  ) => void;
  /** Told once, with why, when the probe looks again for a missing key (otherwise a wait of many seconds says nothing). */
  onLookAgain?: (why: string) => void;
}

export interface ProbeResult {
  snapshot: DiagnosisSnapshot;
  stats: ProbeStats;
}

/** Failures that say nothing about the registry and would make every finding a guess: exit 3 instead. */
const FATAL: ReadonlySet<AzureCause> = new Set(["auth", "throttled", "unavailable"]);

/** Counts calls and the wave each ran in; turns evidential failures into Read values. */
class CallRecorder {
  readonly trace: ProbeStats["trace"] = [];
  private readonly controller = new AbortController();

  constructor(abortSignal: AbortSignal | undefined) {
    abortSignal?.addEventListener("abort", () => this.controller.abort(abortSignal.reason), { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get waves(): number {
    return this.trace.reduce((max, t) => Math.max(max, t.wave), 0);
  }

  async read<T>(call: string, wave: number, run: (signal: AbortSignal) => Promise<T>): Promise<Read<T>> {
    const started = performance.now();
    try {
      const value = await run(this.controller.signal);
      this.trace.push({ call, wave, ms: Math.round(performance.now() - started), ok: true });
      return { ok: true, value };
    } catch (error) {
      this.trace.push({ call, wave, ms: Math.round(performance.now() - started), ok: false });
      if (!isAzureFailure(error) || FATAL.has(error.kind)) {
        // Stop the reads still in flight: the diagnosis is over (unless this read was only cancelled as not needed).
        if (!isAbort(error)) this.controller.abort(error);
        throw error;
      }
      return { ok: false, error: toReadFailure(error) };
    }
  }

  /**
   * Like read, for a read the probe may find it no longer needs (the key of a vault now known to be soft-deleted,
   * whose DNS name is gone and whose SDK retries would only add seconds): undefined when `cancel` stopped it.
   */
  async readUnlessCancelled<T>(
    call: string,
    wave: number,
    cancel: AbortSignal,
    run: (signal: AbortSignal) => Promise<T>,
  ): Promise<Read<T> | undefined> {
    const signal = AbortSignal.any([this.controller.signal, cancel]);
    const started = performance.now();
    try {
      return await this.read(call, wave, () => run(signal));
    } catch (error) {
      if (!cancel.aborted || this.controller.signal.aborted) throw error;
      const entry = this.trace.findLast((t) => t.call === call);
      if (entry) entry.cancelled = true;
      else this.trace.push({ call, wave, ms: Math.round(performance.now() - started), ok: false, cancelled: true });
      return undefined;
    }
  }

  /** Like read, for the one call whose failure ends the diagnosis (the registry itself). */
  async must<T>(call: string, wave: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const value = await run(this.controller.signal);
      this.trace.push({ call, wave, ms: Math.round(performance.now() - started), ok: true });
      return value;
    } catch (error) {
      this.trace.push({ call, wave, ms: Math.round(performance.now() - started), ok: false });
      throw error;
    }
  }
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === "AbortError";
}

function toReadFailure(error: { kind: AzureCause; message: string; details: Record<string, unknown> }): ReadFailure {
  const { statusCode, code, innerCode } = error.details as { statusCode?: number; code?: string; innerCode?: string };
  return {
    kind: error.kind,
    message: error.message,
    ...(statusCode !== undefined ? { statusCode } : {}),
    ...(code ? { code } : {}),
    ...(innerCode ? { innerCode } : {}),
  };
}

/** The key as configured, and the version in use; a key id we cannot parse is a finding, not a crash. */
export function keyReferenceOf(registry: RegistryInfo): {
  keyRef?: KeyReference;
  keyVersionInUse?: string;
  keyIdentifierProblem?: string;
} {
  const { status, keyIdentifier, versionedKeyIdentifier } = registry.encryption;
  if (status !== "enabled") return {};
  if (!keyIdentifier)
    return { keyIdentifierProblem: "encryption is enabled but keyVaultProperties.keyIdentifier is empty" };
  try {
    const configured = parseKeyId(keyIdentifier);
    const keyRef: KeyReference = {
      vaultName: configured.vaultName,
      vaultUrl: configured.vaultUrl,
      name: configured.name,
      ...(configured.version ? { version: configured.version } : {}),
    };
    let keyVersionInUse = configured.version;
    if (versionedKeyIdentifier) {
      try {
        const inUse = parseKeyId(versionedKeyIdentifier);
        if (inUse.vaultUrl === configured.vaultUrl && inUse.name.toLowerCase() === configured.name.toLowerCase()) {
          keyVersionInUse = inUse.version ?? keyVersionInUse;
        }
      } catch {
        // A read-only field Azure fills; if it is odd, the configured id still tells us the key.
      }
    }
    return { keyRef, ...(keyVersionInUse ? { keyVersionInUse } : {}) };
  } catch (error) {
    return { keyIdentifierProblem: error instanceof Error ? error.message : String(error) };
  }
}

type IdentityPlan =
  | { kind: "system"; configured: string; principalId?: string }
  | { kind: "user"; clientId: string; assigned?: RegistryInfo["identity"]["userAssigned"][number] };

/** Which identity encryption.identity names, from the registry alone: "system", an assigned UAI, or not known yet. */
export function planIdentity(registry: RegistryInfo): IdentityPlan | undefined {
  const configured = registry.encryption.identity?.trim();
  if (registry.encryption.status !== "enabled" || !configured) return undefined;
  const systemPrincipal = registry.identity.principalId ? { principalId: registry.identity.principalId } : {};
  if (/^\[?system\]?$/i.test(configured)) return { kind: "system", configured, ...systemPrincipal };
  const assigned = registry.identity.userAssigned.find((u) => u.clientId?.toLowerCase() === configured.toLowerCase());
  return { kind: "user", clientId: configured, ...(assigned ? { assigned } : {}) };
}

export async function probeRegistry(
  azure: CmkAzure,
  ref: RegistryRef,
  options: ProbeOptions = {},
): Promise<ProbeResult> {
  const started = performance.now();
  const recorder = new CallRecorder(options.abortSignal);
  const opts = () => ({ abortSignal: recorder.signal });

  // Wave 1: the registry names everything else.
  const registry = await recorder.must("getRegistry", 1, () => azure.getRegistry(ref, opts()));
  const snapshot: DiagnosisSnapshot = {
    now: (options.now?.() ?? new Date()).toISOString(),
    subscriptionId: azure.subscriptionId,
    registry,
    ...keyReferenceOf(registry),
  };
  const keyRef = snapshot.keyRef;
  const plan = planIdentity(registry);

  const identityBranch = async (): Promise<void> => {
    if (!plan) return;
    if (plan.kind === "system") {
      snapshot.identity = plan;
      return;
    }
    if (plan.assigned) {
      const assigned = plan.assigned;
      const resource = await recorder.read("getUserAssignedIdentity", 2, () =>
        azure.getUserAssignedIdentity(assigned.id, opts()),
      );
      snapshot.identity = { kind: "user", clientId: plan.clientId, assigned, resource };
      return;
    }
    // Not among the registry's user-assigned identities: an unassigned UAI, or the system identity's client id.
    const listed = await recorder.read("listUserAssignedIdentities", 2, () => azure.listUserAssignedIdentities(opts()));
    const match: Read<IdentityInfo | null> = listed.ok
      ? { ok: true, value: listed.value.find((i) => i.clientId.toLowerCase() === plan.clientId.toLowerCase()) ?? null }
      : listed;
    snapshot.identity = resolveUnassigned(registry, plan.clientId, match);
  };

  // Wave 2, with wave 3 chained behind the one read that needs it. The identity branch starts first because the
  // role-assignment read may need the principal it finds.
  const identityDone = identityBranch();

  // Cancels the key's data-plane reads once the vault is known to be soft-deleted (they can only fail, slowly).
  const keyReadsNotNeeded = new AbortController();

  const resolved = (vault: { id: string; name: string; resourceGroup: string } | null, wave: number) =>
    options.onVaultResolved?.(registry, vault, wave);

  const vaultBranch = async (): Promise<void> => {
    if (!keyRef) return resolved(null, 1);
    snapshot.vault = await recorder.read("findVaultByName", 2, () => azure.findVaultByName(keyRef.vaultName, opts()));
    if (!snapshot.vault.ok) return resolved(null, 2);
    const vault = snapshot.vault.value;
    if (vault === null) {
      snapshot.deletedVault = await recorder.read("findDeletedVault", 3, () =>
        azure.findDeletedVault(keyRef.vaultName, opts()),
      );
      const deleted = snapshot.deletedVault.ok ? snapshot.deletedVault.value : null;
      if (deleted) keyReadsNotNeeded.abort();
      const group = deleted ? /\/resourceGroups\/([^/]+)/i.exec(deleted.vaultId)?.[1] : undefined;
      return resolved(deleted && group ? { id: deleted.vaultId, name: deleted.name, resourceGroup: group } : null, 3);
    }
    resolved({ id: vault.id, name: vault.name, resourceGroup: vault.resourceGroup }, 2);
    if (!vault.enableRbacAuthorization) return;
    // RBAC vaults only: role assignments need the vault's resource id, which only the vault read gives (wave 3).
    await identityDone;
    const principalId = principalOf(snapshot.identity);
    if (!principalId) return;
    snapshot.roleAssignments = await recorder.read("listRoleAssignments", 3, () =>
      azure.listRoleAssignments(vault.id, { principalId }, opts()),
    );
  };

  const keyBranch = async (): Promise<void> => {
    if (!keyRef) return;
    const key = await recorder.readUnlessCancelled("getKey", 2, keyReadsNotNeeded.signal, (abortSignal) =>
      azure.getKey(keyRef.vaultUrl, keyRef.name, undefined, { abortSignal }),
    );
    if (!key) return;
    snapshot.key = key;
    if (!key.ok && key.error.kind === "key-not-found") {
      // The deleted-key lookup is wave 3; only a key in neither list (a deletion in progress, or a purge) is looked
      // for again, one more wave per look, until a record appears or the look's time is up.
      const look = await lookWhileMissing(
        (before) =>
          recorder.read("getDeletedKey", 3 + before, () => findDeletedKey(azure, keyRef.vaultUrl, keyRef.name, opts())),
        (deleted) => deleted.ok && deleted.value === null,
        {
          look: options.missingKeyLook ?? DEFAULT_MISSING_KEY_LOOK,
          signal: recorder.signal,
          onLookAgain: () => {
            const forS = Math.round((options.missingKeyLook ?? DEFAULT_MISSING_KEY_LOOK).forMs / 1000);
            options.onLookAgain?.(
              `key ${keyRef.name} is in neither the live nor the deleted list of its vault; Key Vault may still be ` +
                `deleting it, so diagnose looks again for up to ${forS}s before calling it purged`,
            );
          },
        },
      );
      snapshot.deletedKey = look.value;
      if (look.value.ok && look.value.value === null && !look.stopped) snapshot.missingKeyLookedMs = look.waitedMs;
    }
  };

  const versionsBranch = async (): Promise<void> => {
    if (!keyRef) return;
    const versions = await recorder.readUnlessCancelled("listKeyVersions", 2, keyReadsNotNeeded.signal, (abortSignal) =>
      azure.listKeyVersions(keyRef.vaultUrl, keyRef.name, { abortSignal }),
    );
    if (versions) snapshot.keyVersions = versions;
  };

  const dataPlaneBranch = async (): Promise<void> => {
    if (registry.encryption.status !== "enabled") return;
    snapshot.dataPlane = await recorder.read("checkRegistryDataPlane", 2, () =>
      azure.checkRegistryDataPlane(registry, opts()),
    );
  };

  await Promise.all([vaultBranch(), keyBranch(), versionsBranch(), identityDone, dataPlaneBranch()]);

  return {
    snapshot,
    stats: {
      calls: recorder.trace.length,
      waves: recorder.waves,
      elapsedMs: Math.round(performance.now() - started),
      trace: recorder.trace,
    },
  };
}

function resolveUnassigned(
  registry: RegistryInfo,
  clientId: string,
  match: Read<IdentityInfo | null>,
): EncryptionIdentity {
  const found = match.ok ? match.value : undefined;
  // No such user-assigned identity but the registry has a system identity: the client id is the system identity's.
  if (match.ok && !found && registry.identity.principalId) {
    return { kind: "system", configured: clientId, principalId: registry.identity.principalId };
  }
  return { kind: "user", clientId, unassignedMatch: match };
}

function principalOf(identity: EncryptionIdentity | undefined): string | undefined {
  if (!identity) return undefined;
  if (identity.kind === "system") return identity.principalId;
  return identity.assigned?.principalId ?? (identity.resource?.ok ? identity.resource.value.principalId : undefined);
}
