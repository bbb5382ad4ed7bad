// Actors of the revoke runbook: state the impact, back up the key, record exactly the access that will be removed,
// remove it by the method the operator chose, and verify the registry is cut off.
// Source: https://learn.microsoft.com/en-us/azure/container-registry/tutorial-rotate-revoke-customer-managed-keys
//   ("Revoke a customer-managed key")
import type { AccessPolicyEntry, CmkAzure } from "../../azure/types.js";
import { AZ, fillAz, readdPolicyCommand } from "../az.js";
import { StaleApprovalError } from "../step-errors.js";
import { lastSegment, ROLES_GRANTING_CMK_ACCESS } from "../facts.js";
import { fingerprint } from "../fingerprint.js";
import type { ChangePlan, StepFn, StepInput } from "../steps.js";
import { accessFingerprint, describeAccess, readAccess } from "./access.js";
import { encryptionIdentity, identityFacts, identityLabel, planWho } from "./identity.js";
import { backupKey, backupPlan, verifyBackup } from "./key-backup.js";
import { call, isFailure } from "./port-calls.js";
import { dataPlane, keyInUse, readCmkRegistry, readRegistry } from "./registry.js";
import { requireVault, vaultFacts } from "./vault.js";

const stateImpact: StepFn = async (azure, input, signal) => {
  const read = await readCmkRegistry(azure, input, signal, { reason: "there is nothing to revoke" });
  if ("ended" in read) return read.ended;
  const { registry, facts, key } = read;
  const current = await azure.getKey(key.vaultUrl, key.name, undefined, call(signal));
  const f = { ...input.facts, ...facts };
  return {
    outcome: "stated",
    facts,
    evidence: [
      `Revoking the key blocks access to ALL content of ${registry.name}: pulls, pushes and tasks fail until access is restored.`,
      `Nothing is deleted: run \`${input.invocation} restore -g ${input.target.resourceGroup} -r ${input.target.registry}\` to give the access back.`,
      `Key in use: ${registry.encryption.versionedKeyIdentifier ?? registry.encryption.keyIdentifier}`,
    ],
    plans: [backupPlan("backup-key", input, f, current.version)],
  };
};

interface RevokeView {
  method: string;
  enabled?: boolean;
  updatedOn?: string;
  accessPrint?: string;
  accessOk?: boolean;
  granting?: Array<{
    id: string;
    roleDefinitionId: string;
    scope: string;
    principalId: string;
    principalType?: string;
  }>;
}

async function revokeView(azure: CmkAzure, input: StepInput, method: string, signal: AbortSignal): Promise<RevokeView> {
  if (method === "disable-key") {
    const key = await keyInUse(azure, input, signal);
    return { method, enabled: key.enabled, updatedOn: key.updatedOn };
  }
  const vault = await requireVault(azure, input.facts, signal);
  const access = await readAccess(azure, vault, String(input.facts.principalId), signal);
  const granting = (access.assignments ?? [])
    .filter((a) => ROLES_GRANTING_CMK_ACCESS.some((role) => a.roleDefinitionId.toLowerCase().endsWith(role)))
    .map((a) => ({
      id: a.id,
      roleDefinitionId: a.roleDefinitionId,
      scope: a.scope,
      principalId: a.principalId,
      ...(a.principalType ? { principalType: a.principalType } : {}),
    }));
  return {
    method,
    accessOk: method === "access-policy" ? !!access.policy : granting.length > 0,
    accessPrint: accessFingerprint(access),
    granting,
  };
}

const revokePrint = (view: RevokeView) =>
  fingerprint(
    view.method === "disable-key"
      ? { enabled: view.enabled, updatedOn: view.updatedOn ?? null }
      : { access: view.accessPrint },
  );

const recordAccess: StepFn = async (azure, input, signal) => {
  const registry = await readRegistry(azure, input, signal);
  const identity = await encryptionIdentity(azure, registry, signal);
  const vault = await requireVault(azure, input.facts, signal);
  const facts = { ...identityFacts(identity), ...vaultFacts(vault) };
  const f = { ...input.facts, ...facts };
  const i = { ...input, facts: f };
  const candidates: Record<string, ChangePlan> = {};
  const evidence: string[] = [];
  const label = identityLabel(identity);
  if (identity.principalId) {
    const access = await readAccess(azure, vault, identity.principalId, signal);
    evidence.push(`The encryption ${label}: ${describeAccess(access)}`);
    if (access.mode === "policy" && access.policy) {
      const view = await revokeView(azure, i, "access-policy", signal);
      candidates["access-policy"] = {
        stepId: "revoke-access",
        title: `Remove the access policy of ${label} from ${vault.name}`,
        resource: vault.id,
        before: describeAccess(access),
        after: "no access policy entry for the registry's identity: the registry cannot unwrap its key",
        az: fillAz(AZ.deletePolicy, input.target, f),
        risk: "high",
        irreversible: false,
        fingerprint: revokePrint(view),
        beforeState: { method: "access-policy", policy: access.policy },
        // The whole entry goes, so the rollback re-adds it with every permission it had (keys, secrets, certificates).
        rollback: readdPolicyCommand(vault.name, access.policy),
        params: { method: "access-policy", policy: access.policy as unknown as Record<string, unknown>, who: label },
      };
    }
    if (access.mode === "rbac") {
      const view = await revokeView(azure, i, "role-assignment", signal);
      if (view.granting?.length) {
        candidates["role-assignment"] = {
          stepId: "revoke-access",
          title: `Delete ${view.granting.length} role assignment(s) of ${label} on ${vault.name}`,
          resource: vault.id,
          before: view.granting.map((a) => `${lastSegment(a.roleDefinitionId)} at ${a.scope}`).join("; "),
          after: "no key role for the registry's identity: the registry cannot unwrap its key",
          az: view.granting.map((a) => `az role assignment delete --ids ${a.id}`).join(" && "),
          risk: "high",
          irreversible: false,
          fingerprint: revokePrint(view),
          beforeState: { method: "role-assignment", assignments: view.granting },
          rollback: view.granting
            .map(
              (a) =>
                `az role assignment create --assignee-object-id ${a.principalId} --assignee-principal-type ${a.principalType ?? "ServicePrincipal"} --role ${lastSegment(a.roleDefinitionId)} --scope ${a.scope}`,
            )
            .join(" && "),
          params: { method: "role-assignment", assignmentIds: view.granting.map((a) => a.id) },
        };
      }
    }
  }
  const key = await keyInUse(azure, i, signal);
  const keyView = await revokeView(azure, i, "disable-key", signal);
  evidence.push(`Key version in use ${key.version}: ${key.enabled ? "enabled" : "disabled"}`);
  if (key.enabled) {
    const kf = { ...f, keyVersion: key.version };
    candidates["disable-key"] = {
      stepId: "revoke-access",
      title: `Disable version ${key.version} of key ${key.name}`,
      resource: key.id,
      before: "key version enabled",
      after: "key version disabled: nobody, the registry included, can unwrap with it",
      az: fillAz(AZ.disableKeyVersion, input.target, kf),
      risk: "high",
      irreversible: false,
      fingerprint: revokePrint(keyView),
      beforeState: { method: "disable-key", keyId: key.id, enabled: true },
      rollback: fillAz(AZ.enableKeyVersion, input.target, kf),
      params: { method: "disable-key", version: key.version },
    };
  }
  const labels: Record<string, string> = {
    "access-policy": "Remove the identity's access policy entry",
    "role-assignment": "Delete the identity's role assignment(s)",
    "disable-key": "Disable the key version (affects every user of this key)",
  };
  const options = Object.keys(candidates).map((id) => ({ id, label: labels[id] ?? id }));
  if (!options.length)
    return {
      outcome: "already-revoked",
      facts,
      evidence: [...evidence, "The registry's identity holds no key access and the key is disabled already"],
    };
  return {
    outcome: "recorded",
    facts,
    evidence,
    candidates,
    input: { stepId: "choose-method", prompt: "How should access be revoked?", options },
  };
};

const revokeAccess: StepFn = async (azure, input, signal) => {
  const plan = input.plan;
  const method = String(plan?.params?.method);
  const view = await revokeView(azure, input, method, signal);
  const alreadyRevoked = method === "disable-key" ? view.enabled === false : view.accessOk === false;
  if (alreadyRevoked)
    return { outcome: "done", evidence: ["Already in place: the access is removed. Nothing changed."] };
  if (revokePrint(view) !== input.approvedFingerprint)
    throw new StaleApprovalError("The access changed since the revocation was approved; the approval is void.");
  const vault = method === "disable-key" ? null : await requireVault(azure, input.facts, signal);
  if (method === "access-policy" && vault) {
    const entry = plan?.params?.policy as unknown as AccessPolicyEntry;
    await azure.updateAccessPolicy(
      { resourceGroup: vault.resourceGroup, name: vault.name },
      "remove",
      entry,
      call(signal),
    );
    const who = planWho(input, `object id ${entry.objectId}`);
    return { outcome: "done", evidence: [`The access policy of ${who} removed from ${vault.name}`] };
  }
  if (method === "role-assignment") {
    const ids = (plan?.params?.assignmentIds as string[] | undefined) ?? [];
    for (const id of ids) {
      try {
        await azure.deleteRoleAssignment(id, call(signal));
      } catch (error) {
        // A resumed run may find some assignments already gone.
        if (!isFailure(error, "not-found")) throw error;
      }
    }
    return { outcome: "done", evidence: [`Deleted role assignment(s): ${ids.join(", ")}`] };
  }
  const version = String(plan?.params?.version);
  await azure.updateKey(
    String(input.facts.vaultUrl),
    String(input.facts.keyName),
    version,
    { enabled: false },
    call(signal),
  );
  return { outcome: "done", evidence: [`Key ${input.facts.keyName} version ${version} disabled`] };
};

const verifyCutOff: StepFn = async (azure, input, signal) => {
  const registry = await readRegistry(azure, input, signal);
  const plane = await dataPlane(azure, registry, signal);
  if (!plane.ok) {
    return {
      outcome: "cut-off",
      evidence: [plane.text],
      final: {
        summary: `Access revoked: ${registry.name} can no longer read its content.`,
        nextSteps: [
          `To give the access back: ${input.invocation} restore -g ${input.target.resourceGroup} -r ${input.target.registry}`,
        ],
      },
    };
  }
  return {
    outcome: "still-readable",
    message: "The registry still reads its content; Azure may take a few minutes to notice. RETRY to check again.",
  };
};

export function revokeActors(): Record<string, StepFn> {
  return {
    stateImpact,
    recordAccess,
    revokeAccess,
    verifyCutOff,
    backupKey,
    verifyBackup,
  };
}
