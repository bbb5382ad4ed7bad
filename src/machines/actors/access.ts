// The encryption identity's key access: read (an access policy entry, or role assignments on an RBAC vault), planned
// as the documented minimum grant, granted and verified. Shared by every runbook that repairs access.
import type { AccessPolicyEntry, CmkAzure, RoleAssignmentInfo, VaultInfo } from "../../azure/types.js";
import { fillAz, AZ, restoreKeyPermissionsCommand } from "../az.js";
import {
  CMK_KEY_PERMISSIONS,
  KEY_VAULT_ROLES,
  ROLES_GRANTING_CMK_ACCESS,
  lastSegment,
  roleDefinitionId,
  type RunFacts,
} from "../facts.js";
import { fingerprint } from "../fingerprint.js";
import type { ChangePlan, StepFn, StepInput, StepOutput } from "../steps.js";
import { guardedChangeFn } from "./guarded-change.js";
import { planWho } from "./identity.js";
import { call } from "./port-calls.js";
import { requireVault } from "./vault.js";

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
