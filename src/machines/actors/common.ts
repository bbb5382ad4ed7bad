// Reads and changes several runbooks share, over the CmkAzure port only. Every call passes the actor's abort signal.
import type {
  AccessPolicyEntry,
  CmkAzure,
  KeyInfo,
  RegistryInfo,
  RegistryRef,
  RoleAssignmentInfo,
  RotateKeyParams,
  VaultInfo,
} from "../../azure/types.js";
import { fillAz, AZ } from "../az.js";
import { StaleApprovalError } from "../build-machine.js";
import {
  CMK_KEY_PERMISSIONS,
  KEY_VAULT_ROLES,
  ROLES_GRANTING_CMK_ACCESS,
  lastSegment,
  parseKeyIdentifier,
  resourceGroupOf,
  roleDefinitionId,
  type ParsedKeyId,
  type RunFacts,
} from "../facts.js";
import { digestBytes, fingerprint } from "../fingerprint.js";
import type { ChangePlan, StepFn, StepInput, StepOutput } from "../steps.js";

export const call = (signal: AbortSignal) => ({ abortSignal: signal });

export function isFailure(error: unknown, ...kinds: string[]): boolean {
  return !!error && typeof error === "object" && kinds.includes(String((error as { kind?: unknown }).kind));
}

/** The run's registry, as the port names it. */
export const registryRef = (input: StepInput): RegistryRef => ({
  resourceGroup: input.target.resourceGroup,
  name: input.target.registry,
});

export async function readRegistry(azure: CmkAzure, input: StepInput, signal: AbortSignal): Promise<RegistryInfo> {
  return azure.getRegistry(registryRef(input), call(signal));
}

/** How the approved plan named who it acts on (`params.who`: the identity's label), else `fallback`. */
export const planWho = (input: StepInput, fallback: string): string =>
  typeof input.plan?.params?.who === "string" ? input.plan.params.who : fallback;

/** The facts a registry's encryption settings give away, before any other read. */
export function registryFacts(registry: RegistryInfo): { facts: Partial<RunFacts>; key: ParsedKeyId | null } {
  const key = parseKeyIdentifier(registry.encryption.keyIdentifier);
  const facts: Partial<RunFacts> = {
    registryId: registry.id,
    location: registry.location,
    keyIdentifier: registry.encryption.keyIdentifier,
    versionedKeyIdentifier: registry.encryption.versionedKeyIdentifier,
    identity: registry.encryption.identity,
  };
  // The identity's name and object id, when the registry itself says (no extra call): titles name it by both ids.
  const clientId = registry.encryption.identity?.toLowerCase();
  const assigned = clientId
    ? registry.identity.userAssigned.find((u) => u.clientId?.toLowerCase() === clientId)
    : undefined;
  if (assigned) {
    Object.assign(facts, { identityKind: "user", identityResourceId: assigned.id });
    if (assigned.principalId) facts.principalId = assigned.principalId;
  } else if (clientId === "system" && registry.identity.type.includes("SystemAssigned")) {
    Object.assign(facts, { identityKind: "system", principalId: registry.identity.principalId });
  }
  if (key)
    Object.assign(facts, {
      vaultName: key.vaultName,
      vaultUrl: key.vaultUrl,
      keyName: key.name,
      keyVersion: key.version,
    });
  return { facts, key };
}

/** A registry with a customer-managed key: what the first check of most runbooks starts from. */
export interface CmkRegistry {
  registry: RegistryInfo;
  facts: Partial<RunFacts>;
  key: ParsedKeyId;
}

/**
 * Reads the run's registry; one without a customer-managed key ends the run at once (`not-cmk`), saying why this
 * runbook has nothing to do.
 */
export async function readCmkRegistry(
  azure: CmkAzure,
  input: StepInput,
  signal: AbortSignal,
  notCmk: { reason: string; nextSteps?: string[] },
): Promise<CmkRegistry | { ended: StepOutput }> {
  const registry = await readRegistry(azure, input, signal);
  const { facts, key } = registryFacts(registry);
  if (key) return { registry, facts, key };
  return {
    ended: {
      outcome: "not-cmk",
      facts,
      final: {
        summary: `Registry ${registry.name} has no customer-managed key: ${notCmk.reason}.`,
        nextSteps: notCmk.nextSteps ?? [],
      },
    },
  };
}

/** The key version the registry encrypts with right now (the pinned one, else the one it resolved). */
export async function keyInUse(azure: CmkAzure, input: StepInput, signal: AbortSignal): Promise<KeyInfo> {
  const registry = await readRegistry(azure, input, signal);
  const parsed = parseKeyIdentifier(registry.encryption.versionedKeyIdentifier ?? registry.encryption.keyIdentifier);
  if (!parsed) throw new Error("the registry names no key");
  return azure.getKey(parsed.vaultUrl, parsed.name, parsed.version, call(signal));
}

/** The newest version of the run's key. */
export const latestKey = (azure: CmkAzure, input: StepInput, signal: AbortSignal): Promise<KeyInfo> =>
  azure.getKey(String(input.facts.vaultUrl), String(input.facts.keyName), undefined, call(signal));

/** `az acr encryption rotate-key` with the key id and identity the approved plan names. */
export async function rotateRegistryToPlan(
  azure: CmkAzure,
  input: StepInput,
  signal: AbortSignal,
): Promise<RotateKeyParams> {
  const params = {
    keyIdentifier: String(input.plan?.params?.keyIdentifier),
    identity: String(input.plan?.params?.identity),
  };
  await azure.rotateRegistryKey(registryRef(input), params, call(signal));
  return params;
}

export function vaultFacts(vault: VaultInfo): Partial<RunFacts> {
  return {
    vaultId: vault.id,
    vaultName: vault.name,
    vaultResourceGroup: vault.resourceGroup,
    vaultLocation: vault.location,
    rbac: vault.enableRbacAuthorization,
    purgeProtection: vault.enablePurgeProtection,
  };
}

export interface EncryptionIdentity {
  kind: "user" | "system";
  clientId: string;
  /** User-assigned: its resource id. */
  resourceId?: string;
  /** The object id Key Vault authorizes; absent when the identity no longer exists. */
  principalId?: string;
  /** Assigned to the registry right now. */
  assigned: boolean;
}

/** Which identity the encryption uses: a user-assigned identity by client id, else the system identity. */
export async function encryptionIdentity(
  azure: CmkAzure,
  registry: RegistryInfo,
  signal: AbortSignal,
): Promise<EncryptionIdentity> {
  const clientId = registry.encryption.identity ?? "system";
  const systemAssigned = registry.identity.type.includes("SystemAssigned");
  if (clientId.toLowerCase() !== "system") {
    const assigned = registry.identity.userAssigned.find((u) => u.clientId?.toLowerCase() === clientId.toLowerCase());
    if (assigned)
      return { kind: "user", clientId, resourceId: assigned.id, principalId: assigned.principalId, assigned: true };
    const all = await azure.listUserAssignedIdentities(call(signal));
    const found = all.find((i) => i.clientId.toLowerCase() === clientId.toLowerCase());
    if (found) return { kind: "user", clientId, resourceId: found.id, principalId: found.principalId, assigned: false };
  }
  // "system", or a client id no user-assigned identity has: the registry's own identity.
  return {
    kind: "system",
    clientId,
    principalId: systemAssigned ? registry.identity.principalId : undefined,
    assigned: systemAssigned,
  };
}

/**
 * How every runbook names an identity: by its resource name where known, with both ids labelled, because the
 * registry's settings use the client id while Key Vault access (set-policy --object-id, role assignments) uses the
 * object (principal) id.
 */
export function identityLabel(identity: {
  kind?: "user" | "system";
  name?: string;
  resourceId?: string;
  clientId?: string;
  principalId?: string;
}): string {
  const name = identity.name ?? (identity.resourceId ? lastSegment(identity.resourceId) : undefined);
  const head =
    identity.kind === "system" || identity.clientId?.toLowerCase() === "system"
      ? "the registry's system-assigned identity"
      : name
        ? `identity ${name}`
        : "identity";
  const ids = [
    identity.clientId && identity.clientId.toLowerCase() !== "system" ? `client id ${identity.clientId}` : undefined,
    identity.principalId ? `object id ${identity.principalId}` : undefined,
  ].filter((part): part is string => part !== undefined);
  return ids.length ? `${head} (${ids.join(", ")})` : head;
}

/** The encryption identity as the run's facts know it. */
export function encryptionIdentityLabel(facts: RunFacts): string {
  return identityLabel({
    kind: facts.identityKind,
    resourceId: facts.identityResourceId,
    clientId: facts.identity,
    principalId: facts.principalId,
  });
}

/** The identity the encryption moves to (identity-removed), as the run's facts know it. */
export function targetIdentityLabel(facts: RunFacts): string {
  return identityLabel({
    kind: "user",
    resourceId: facts.targetIdentityResourceId,
    clientId: facts.targetIdentityClientId,
    principalId: facts.targetPrincipalId,
  });
}

export function identityFacts(identity: EncryptionIdentity): Partial<RunFacts> {
  return {
    identityKind: identity.kind,
    identityResourceId: identity.resourceId,
    principalId: identity.principalId,
    identity: identity.clientId,
  };
}

/** The identity's CMK access on the vault: an access policy entry, or role assignments on an RBAC vault. */
export interface AccessState {
  mode: "policy" | "rbac";
  principalId: string;
  ok: boolean;
  missing: string[];
  policy?: AccessPolicyEntry;
  assignments?: RoleAssignmentInfo[];
}

export async function readAccess(
  azure: CmkAzure,
  vault: VaultInfo,
  principalId: string,
  signal: AbortSignal,
): Promise<AccessState> {
  if (vault.enableRbacAuthorization) {
    const assignments = (await azure.listRoleAssignments(vault.id, { principalId }, call(signal))).filter(
      (a) => a.principalId === principalId,
    );
    const granting = assignments.filter((a) =>
      ROLES_GRANTING_CMK_ACCESS.some((role) => a.roleDefinitionId.toLowerCase().endsWith(role)),
    );
    return {
      mode: "rbac",
      principalId,
      ok: granting.length > 0,
      missing: granting.length ? [] : ["Key Vault Crypto Service Encryption User"],
      assignments: assignments.map((a) => ({ ...a })),
    };
  }
  const policy = vault.accessPolicies.find((p) => p.objectId === principalId);
  const have = new Set((policy?.permissions.keys ?? []).map((k) => k.toLowerCase()));
  const missing = have.has("all") ? [] : CMK_KEY_PERMISSIONS.filter((k) => !have.has(k.toLowerCase()));
  return { mode: "policy", principalId, ok: missing.length === 0, missing, policy };
}

export function describeAccess(access: AccessState): string {
  if (access.mode === "rbac") {
    return access.assignments?.length
      ? `role assignments: ${access.assignments.map((a) => lastSegment(a.roleDefinitionId)).join(", ")}`
      : "no role assignment for this identity on the vault";
  }
  return access.policy
    ? `access policy keys: ${access.policy.permissions.keys.join(", ") || "(none)"}`
    : "no access policy entry";
}

/** The state a grant is computed from, and re-read before it runs. */
export async function grantView(azure: CmkAzure, facts: RunFacts, principalId: string, signal: AbortSignal) {
  const vault = await requireVault(azure, facts, signal);
  const access = await readAccess(azure, vault, principalId, signal);
  return { vault, access };
}

export async function requireVault(azure: CmkAzure, facts: RunFacts, signal: AbortSignal): Promise<VaultInfo> {
  if (facts.vaultResourceGroup && facts.vaultName) {
    return azure.getVault({ resourceGroup: facts.vaultResourceGroup, name: facts.vaultName }, call(signal));
  }
  const vault = facts.vaultName ? await azure.findVaultByName(facts.vaultName, call(signal)) : null;
  if (!vault)
    throw Object.assign(new Error(`key vault '${facts.vaultName ?? "?"}' was not found`), { kind: "not-found" });
  return vault;
}

/** Fingerprint of an access state: what the approver saw. */
export const accessFingerprint = (access: AccessState) =>
  fingerprint({
    mode: access.mode,
    principalId: access.principalId,
    policy: access.policy?.permissions.keys.map((k) => k.toLowerCase()).sort() ?? null,
    roles: access.assignments?.map((a) => a.roleDefinitionId.toLowerCase()).sort() ?? null,
  });

/**
 * Plan to grant the documented minimum: get, wrapKey, unwrapKey, or the Crypto Service Encryption User role.
 * `recovery` marks a grant that puts back access an incident took (a recovered vault's lost role assignments): it
 * gets a "nothing to undo" note instead of a rollback that would cut the registry off again.
 */
export function grantPlan(
  stepId: string,
  input: StepInput,
  facts: RunFacts,
  vault: VaultInfo,
  access: AccessState,
  who: string,
  options: { recovery?: string } = {},
): ChangePlan {
  const f = { ...facts, principalId: access.principalId, vaultId: vault.id, vaultName: vault.name };
  const shared = {
    stepId,
    resource: vault.id,
    before: describeAccess(access),
    risk: "medium" as const,
    irreversible: false,
    fingerprint: accessFingerprint(access),
    params: { principalId: access.principalId, mode: access.mode, who },
  };
  const undo = (rollback: string) => (options.recovery ? { noUndo: options.recovery } : { rollback });
  if (access.mode === "rbac") {
    return {
      ...shared,
      title: `Grant ${who} the Key Vault Crypto Service Encryption User role on ${vault.name}`,
      after: "role assignment: Key Vault Crypto Service Encryption User at vault scope",
      az: fillAz(AZ.grantRole, input.target, f),
      beforeState: { mode: "rbac", assignments: access.assignments ?? [] },
      // The identity held no key role at this scope before; the change replaces this with the created id.
      ...undo(fillAz(AZ.deleteRole, input.target, f)),
    };
  }
  const keys = [...new Set([...(access.policy?.permissions.keys ?? []), ...CMK_KEY_PERMISSIONS])];
  return {
    ...shared,
    title: `Give ${who} get, wrapKey and unwrapKey on ${vault.name}`,
    after: `access policy keys: ${keys.join(", ")}`,
    az: fillAz(AZ.setPolicy, input.target, f),
    beforeState: { mode: "policy", policy: access.policy ?? null },
    ...undo(
      access.policy
        ? restoreKeyPermissionsCommand(vault.name, access.policy)
        : fillAz(AZ.deletePolicy, input.target, f),
    ),
  };
}

/**
 * A check's answer on the encryption identity's key access: `access-ok`, or `access-missing` with the plan that
 * grants it (`recovery`: see grantPlan).
 */
export function accessOutcome(
  input: StepInput,
  facts: Partial<RunFacts>,
  vault: VaultInfo,
  access: AccessState,
  label: string,
  grant: { recovery?: string } = {},
): StepOutput {
  if (access.ok) {
    return { outcome: "access-ok", facts, evidence: [`The encryption ${label} has key access (${access.mode})`] };
  }
  return {
    outcome: "access-missing",
    facts,
    evidence: [`The encryption ${label} lacks ${access.missing.join(", ")} on ${vault.name}`],
    plans: [grantPlan("grant-access", input, { ...input.facts, ...facts }, vault, access, label, grant)],
  };
}

const permissionFlags = (entry: AccessPolicyEntry, categories: Array<keyof AccessPolicyEntry["permissions"]>) =>
  categories
    .filter((c) => entry.permissions[c].length > 0)
    .map(
      (c) =>
        ` --${c === "keys" ? "key" : c === "secrets" ? "secret" : "certificate"}-permissions ${entry.permissions[c].join(" ")}`,
    )
    .join("");

/**
 * Puts an existing entry's key permissions back exactly (a grant changes keys only; set-policy replaces the listed
 * categories and keeps the others). An entry that had no key permissions is deleted and re-created without them.
 */
export function restoreKeyPermissionsCommand(vaultName: string, entry: AccessPolicyEntry): string {
  const base = `az keyvault set-policy --name ${vaultName} --object-id ${entry.objectId}`;
  if (entry.permissions.keys.length > 0) return `${base}${permissionFlags(entry, ["keys"])}`;
  const remove = `az keyvault delete-policy --name ${vaultName} --object-id ${entry.objectId}`;
  const others = permissionFlags(entry, ["secrets", "certificates"]);
  return others ? `${remove} && ${base}${others}` : remove;
}

/** Re-adds a removed access policy entry with exactly the permissions it had, in every category. */
export function readdPolicyCommand(vaultName: string, entry: AccessPolicyEntry): string {
  return `az keyvault set-policy --name ${vaultName} --object-id ${entry.objectId}${permissionFlags(entry, ["keys", "secrets", "certificates"])}`;
}

/** Runs a change the way protocol.ts asks: already in place → nothing; state moved on → stale; else apply. */
export function guardedChangeFn<V>(options: {
  read: (azure: CmkAzure, input: StepInput, signal: AbortSignal) => Promise<V>;
  fingerprintOf: (view: V) => string;
  done: (view: V, input: StepInput) => boolean;
  apply: (azure: CmkAzure, input: StepInput, view: V, signal: AbortSignal) => Promise<Omit<StepOutput, "outcome">>;
  describeDone: string;
}): StepFn {
  return async (azure, input, signal) => {
    const view = await options.read(azure, input, signal);
    if (options.done(view, input)) {
      return { outcome: "done", evidence: [`Already in place: ${options.describeDone}. Nothing changed.`] };
    }
    if (!input.approvedFingerprint || options.fingerprintOf(view) !== input.approvedFingerprint) {
      throw new StaleApprovalError(
        `The Azure state changed since "${input.plan?.title ?? input.stepId}" was approved (someone else may be working on it); the approval is void.`,
      );
    }
    const result = await options.apply(azure, input, view, signal);
    return { outcome: "done", ...result };
  };
}

/** The identity a grant is for, as its plan named it. */
const who = (input: StepInput, access: AccessState) => planWho(input, `object id ${access.principalId}`);

/** Grants the plan's identity the CMK access (policy add, or role assignment). */
export const grantAccess: StepFn = guardedChangeFn({
  read: async (azure, input, signal) => grantView(azure, input.facts, String(input.plan?.params?.principalId), signal),
  fingerprintOf: (view) => accessFingerprint(view.access),
  done: (view) => view.access.ok,
  describeDone: "the identity already has key access",
  apply: async (azure, input, view, signal) => {
    const ref = { resourceGroup: view.vault.resourceGroup, name: view.vault.name };
    if (view.access.mode === "rbac") {
      const created = await azure.createRoleAssignment(
        view.vault.id,
        {
          roleDefinitionId: roleDefinitionId(azure.subscriptionId, KEY_VAULT_ROLES.cryptoServiceEncryptionUser),
          principalId: view.access.principalId,
          principalType: "ServicePrincipal",
        },
        call(signal),
      );
      return {
        evidence: [`Role assignment ${created.name} created for ${who(input, view.access)} at ${view.vault.name}`],
        ...(input.plan?.noUndo ? {} : { rollback: [`az role assignment delete --ids ${created.id}`] }),
      };
    }
    await azure.updateAccessPolicy(
      ref,
      "add",
      {
        tenantId: view.vault.tenantId,
        objectId: view.access.principalId,
        permissions: { keys: [...CMK_KEY_PERMISSIONS], secrets: [], certificates: [] },
      },
      call(signal),
    );
    return {
      evidence: [
        `The access policy of ${who(input, view.access)} on ${view.vault.name} now includes get, wrapKey, unwrapKey`,
      ],
    };
  },
});

/** Verifies the identity in the plan (or the encryption identity) now has CMK access. */
export const verifyAccess: StepFn = async (azure, input, signal) => {
  const principalId = String(input.plan?.params?.principalId ?? input.facts.principalId);
  const { access, vault } = await grantView(azure, input.facts, principalId, signal);
  if (!access.ok) {
    return {
      outcome: "missing",
      message: `The identity still lacks ${access.missing.join(", ")} on ${vault.name} (Azure may take a minute to propagate).`,
    };
  }
  return { outcome: "ok", evidence: [describeAccess(access)] };
};

/** What ACR's own data plane answers: the closest thing to "can the registry read its key". */
export async function dataPlane(azure: CmkAzure, registry: RegistryInfo, signal: AbortSignal) {
  const check = await azure.checkRegistryDataPlane(registry, call(signal));
  const text = check.ok
    ? "registry data plane answers: content readable"
    : `registry data plane refuses: ${[check.status, check.code, check.message].filter(Boolean).join(" ")}`;
  return { ...check, text };
}

/** The registry reads its content again through its own data plane: where every repair is proven. */
export const verifyRegistryReads: StepFn = async (azure, input, signal) => {
  const registry = await readRegistry(azure, input, signal);
  const plane = await dataPlane(azure, registry, signal);
  return plane.ok
    ? { outcome: "ok", evidence: [plane.text] }
    : { outcome: "unreadable", message: `The registry still cannot read its key: ${plane.text}` };
};

/** The backup plan: low risk, nothing changes in Azure, the blob never enters logs or snapshots. */
export function backupPlan(stepId: string, input: StepInput, facts: RunFacts, keyVersion: string): ChangePlan {
  return {
    stepId,
    title: `Back up key ${facts.keyName} from ${facts.vaultName}`,
    resource: `${facts.vaultUrl}keys/${facts.keyName}`,
    before: `current version ${keyVersion}`,
    after: "a protected backup blob exists (size and digest recorded; the blob itself is not kept by acr-cmk)",
    az: fillAz(AZ.backupKey, input.target, facts),
    risk: "low",
    irreversible: false,
    fingerprint: fingerprint({ key: facts.keyName, version: keyVersion }),
    beforeState: { keyVersion },
  };
}

export const backupKey: StepFn = async (azure, input, signal) => {
  const { vaultUrl, keyName } = input.facts;
  if (!vaultUrl || !keyName) throw new Error("no key known to back up");
  const key = await azure.getKey(vaultUrl, keyName, undefined, call(signal));
  const expected = (input.plan?.beforeState as { keyVersion?: string } | undefined)?.keyVersion;
  if (expected && key.version !== expected) {
    throw new StaleApprovalError(
      `Key ${keyName} has a newer version (${key.version}) than the one approved for backup; the approval is void.`,
    );
  }
  const blob = await azure.backupKey(vaultUrl, keyName, call(signal));
  return {
    outcome: "done",
    evidence: [
      `Backup of ${blob.byteLength} bytes, digest ${digestBytes(blob)} (the blob is not stored by acr-cmk).`,
      `Keep a copy where your team stores secrets: ${fillAz(AZ.backupKey, input.target, input.facts)}`,
      `Restore it later with: ${fillAz(AZ.restoreKeyBackup, input.target, input.facts)}`,
    ],
  };
};

export const verifyBackup: StepFn = async (azure, input, signal) => {
  const key = await latestKey(azure, input, signal);
  return {
    outcome: "ok",
    evidence: [`Key ${key.name} is intact (version ${key.version}, ${key.enabled ? "enabled" : "disabled"})`],
  };
};

export { resourceGroupOf, lastSegment };
