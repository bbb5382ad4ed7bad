// Actors of the identity-removed runbook: a user-assigned identity is re-assigned; optionally encryption moves to
// another identity (grant, rotate-key, remove the old one); a removed system-assigned identity needs Microsoft, so the
// run hands over a ready-to-paste support request.
// Source: https://learn.microsoft.com/en-us/azure/container-registry/tutorial-troubleshoot-customer-managed-keys
//   ("Error when you remove a managed identity")
import type { CmkAzure, IdentityInfo } from "../../azure/types.js";
import { AZ, fillAz } from "../az.js";
import { fingerprint } from "../fingerprint.js";
import type { StepFn, StepInput } from "../steps.js";
import { grantAccess, grantPlan, readAccess, verifyAccess } from "./access.js";
import { guardedChangeFn } from "./guarded-change.js";
import { encryptionIdentity, encryptionIdentityLabel, identityFacts, identityLabel, planWho } from "./identity.js";
import { call } from "./port-calls.js";
import {
  dataPlane,
  readCmkRegistry,
  readRegistry,
  registryRef,
  rotateRegistryToPlan,
  verifyRegistryReads,
} from "./registry.js";
import { requireVault, vaultFacts } from "./vault.js";
import { wallClock } from "./wall-clock.js";

const assignedIds = (ids: Array<{ id: string }>) => ids.map((u) => u.id.toLowerCase()).sort();

async function identityView(azure: CmkAzure, input: StepInput, signal: AbortSignal) {
  const registry = await readRegistry(azure, input, signal);
  return {
    registry,
    assigned: assignedIds(registry.identity.userAssigned),
    encryptionIdentity: registry.encryption.identity ?? null,
  };
}
const identityFingerprint = (view: Awaited<ReturnType<typeof identityView>>) =>
  fingerprint({
    assigned: view.assigned,
    encryptionIdentity: view.encryptionIdentity,
    type: view.registry.identity.type,
  });

function supportRequest(input: StepInput, registryId: string, identity: string, errorText: string): string {
  return [
    "Subject: Azure Container Registry: system-assigned identity used for customer-managed key encryption was removed",
    `Registry resource id: ${registryId}`,
    `Encryption identity: system-assigned (${identity})`,
    `Error: ${errorText}`,
    "Timeline:",
    `  ${input.startedAt} acr-cmk run started by ${input.requester}; the registry's encryption uses its system-assigned identity, which is no longer enabled`,
    `  ${wallClock.now().toISOString()} escalated: per the Azure docs a removed system-assigned identity can only be restored by Azure Support`,
    "Request: please restore the registry's system-assigned identity used for CMK encryption (https://aka.ms/acr/cmk).",
  ].join("\n");
}

const findIdentity: StepFn = async (azure, input, signal) => {
  const read = await readCmkRegistry(azure, input, signal, { reason: "this runbook does not apply" });
  if ("ended" in read) return read.ended;
  const { registry, facts } = read;
  const identity = await encryptionIdentity(azure, registry, signal);
  const all = { ...facts, ...identityFacts(identity) };
  if (identity.kind === "system") {
    if (identity.assigned)
      return {
        outcome: "system-present",
        facts: all,
        evidence: ["Encryption uses the registry's system-assigned identity, which is enabled"],
      };
    const plane = await dataPlane(azure, registry, signal);
    const errorText = plane.ok
      ? `Azure resource '${registry.id}' does not have access to identity '${identity.clientId}' (system-assigned identity removed; data keeps working until it expires)`
      : plane.text;
    return {
      outcome: "system-missing",
      facts: all,
      evidence: [
        "Encryption uses the system-assigned identity, which is no longer enabled on the registry",
        plane.text,
      ],
      final: {
        summary: `Registry ${registry.name} encrypts with its system-assigned identity, which was removed. Only Azure Support can restore it; acr-cmk has changed nothing.`,
        nextSteps: [
          "Open an Azure support request (Azure portal > Help + support > Create a support request, service: Container Registry) and paste the text below.",
          supportRequest(input, registry.id, identityLabel(identity), errorText),
        ],
      },
    };
  }
  const label = identityLabel(identity);
  if (identity.assigned)
    return {
      outcome: "user-assigned",
      facts: all,
      evidence: [`The encryption ${label} is assigned to the registry`],
    };
  const view = await identityView(azure, input, signal);
  return {
    outcome: "user-not-assigned",
    facts: all,
    evidence: [`The encryption ${label} is not assigned to ${registry.name} (resource id ${identity.resourceId})`],
    plans: [
      {
        stepId: "reassign-identity",
        title: `Re-assign ${label} to ${registry.name}`,
        resource: registry.id,
        before: `user-assigned identities: ${view.assigned.join(", ") || "(none)"}`,
        after: `user-assigned identities: ${[...view.assigned, String(identity.resourceId).toLowerCase()].join(", ")}`,
        az: fillAz(AZ.assignIdentity, input.target, { ...input.facts, ...all }),
        risk: "low",
        irreversible: false,
        fingerprint: identityFingerprint(view),
        beforeState: { identity: registry.identity },
        noUndo: `re-assigning the registry's own encryption identity repairs the incident; removing it again would only cut the registry off from its key once the grace period ends.`,
        params: { resourceId: identity.resourceId, who: label },
      },
    ],
  };
};

/** Assigns the plan's user-assigned identity (`params.resourceId`): the old one back, or the new target. */
const assignIdentity: StepFn = guardedChangeFn({
  read: identityView,
  fingerprintOf: identityFingerprint,
  done: (view, input) => view.assigned.includes(String(input.plan?.params?.resourceId).toLowerCase()),
  describeDone: "the identity is assigned to the registry",
  apply: async (azure, input, _view, signal) => {
    const id = String(input.plan?.params?.resourceId);
    await azure.assignRegistryIdentities(registryRef(input), { userAssigned: [id] }, call(signal));
    return { evidence: [`${planWho(input, `identity ${id}`)} assigned to ${input.target.registry}`] };
  },
});

const verifyAssigned: StepFn = async (azure, input, signal) => {
  const id = String(input.plan?.params?.resourceId).toLowerCase();
  const view = await identityView(azure, input, signal);
  return view.assigned.includes(id)
    ? { outcome: "ok", evidence: [`Registry lists identity ${id}`] }
    : { outcome: "missing", message: `The registry does not list identity ${id} yet.` };
};

const listTargetIdentities: StepFn = async (azure, input, signal) => {
  const identities = await azure.listUserAssignedIdentities(call(signal));
  const current = String(input.facts.identityResourceId ?? "").toLowerCase();
  const others = identities.filter((i) => i.id.toLowerCase() !== current);
  if (!others.length) {
    return {
      outcome: "none",
      evidence: ["No other user-assigned identity exists in the subscription; keeping the current one"],
      caveat:
        "Encryption was not moved to another identity: no other user-assigned identity exists in the subscription, " +
        "so it stays on the current one. Create one (az identity create) and run identity-removed again to move it.",
    };
  }
  return {
    outcome: "found",
    evidence: [`${others.length} other user-assigned identit${others.length === 1 ? "y" : "ies"} found`],
    input: {
      stepId: "choose-target-identity",
      prompt: "Which identity should the registry use for its key from now on?",
      options: others.map((i) => ({
        id: i.id,
        label: `${i.name} (resource group ${i.resourceGroup}, client id ${i.clientId}, object id ${i.principalId})`,
      })),
    },
  };
};

async function targetIdentity(azure: CmkAzure, input: StepInput, signal: AbortSignal): Promise<IdentityInfo> {
  const id = input.choices["choose-target-identity"];
  if (!id) throw new Error("no target identity was chosen");
  return azure.getUserAssignedIdentity(id, call(signal));
}

const checkTargetIdentity: StepFn = async (azure, input, signal) => {
  const target = await targetIdentity(azure, input, signal);
  const facts = {
    targetIdentityResourceId: target.id,
    targetIdentityClientId: target.clientId,
    targetPrincipalId: target.principalId,
  };
  const f = { ...input.facts, ...facts };
  const label = identityLabel({
    kind: "user",
    name: target.name,
    clientId: target.clientId,
    principalId: target.principalId,
  });
  const view = await identityView(azure, input, signal);
  if (!view.assigned.includes(target.id.toLowerCase())) {
    return {
      outcome: "needs-assignment",
      facts,
      evidence: [`The new ${label} is not assigned to the registry yet`],
      plans: [
        {
          stepId: "assign-target-identity",
          title: `Assign ${label} to ${input.target.registry}`,
          resource: view.registry.id,
          before: `user-assigned identities: ${view.assigned.join(", ") || "(none)"}`,
          after: `user-assigned identities: ${[...view.assigned, target.id.toLowerCase()].join(", ")}`,
          az: fillAz(AZ.assignTargetIdentity, input.target, f),
          risk: "low",
          irreversible: false,
          fingerprint: identityFingerprint(view),
          beforeState: { identity: view.registry.identity },
          rollback: fillAz(AZ.removeTargetIdentity, input.target, f),
          params: { resourceId: target.id, who: label },
        },
      ],
    };
  }
  const vault = await requireVault(azure, input.facts, signal);
  const access = await readAccess(azure, vault, target.principalId, signal);
  if (!access.ok) {
    return {
      outcome: "needs-access",
      facts: { ...facts, ...vaultFacts(vault) },
      evidence: [`The new ${label} lacks ${access.missing.join(", ")} on ${vault.name}`],
      plans: [grantPlan("grant-target-access", input, f, vault, access, label)],
    };
  }
  if ((view.encryptionIdentity ?? "").toLowerCase() !== target.clientId.toLowerCase()) {
    return {
      outcome: "ready",
      facts,
      evidence: [`The new ${label} is assigned and has key access`],
      plans: [
        {
          stepId: "rotate-to-target-identity",
          title: `Switch the registry's encryption to ${label}`,
          resource: view.registry.id,
          before: `encryption ${encryptionIdentityLabel(input.facts)}, key ${view.registry.encryption.keyIdentifier}`,
          after: `encryption ${label}, same key ${view.registry.encryption.keyIdentifier}`,
          az: fillAz(AZ.rotateToTargetIdentity, input.target, f),
          risk: "medium",
          irreversible: false,
          fingerprint: identityFingerprint(view),
          beforeState: { encryption: view.registry.encryption },
          // Back to the key id and identity configured before (the old identity is still assigned at this point).
          rollback: fillAz(AZ.rotateKey, input.target, {
            ...input.facts,
            keyIdentifier: view.registry.encryption.keyIdentifier,
            identity: view.registry.encryption.identity ?? input.facts.identity,
          }),
          params: { keyIdentifier: view.registry.encryption.keyIdentifier, identity: target.clientId, who: label },
        },
      ],
    };
  }
  return { outcome: "switched", facts, evidence: [`Encryption already uses the new ${label}`] };
};

const rotateToTarget: StepFn = guardedChangeFn({
  read: identityView,
  fingerprintOf: identityFingerprint,
  done: (view, input) =>
    (view.encryptionIdentity ?? "").toLowerCase() === String(input.plan?.params?.identity).toLowerCase(),
  describeDone: "encryption already uses the new identity",
  apply: async (azure, input, _view, signal) => {
    const params = await rotateRegistryToPlan(azure, input, signal);
    const who = planWho(input, `client id ${params.identity}`);
    return { evidence: [`Encryption now uses ${who} with key ${params.keyIdentifier}`] };
  },
});

const verifyRotatedIdentity: StepFn = async (azure, input, signal) => {
  const view = await identityView(azure, input, signal);
  const expected = String(input.plan?.params?.identity).toLowerCase();
  return (view.encryptionIdentity ?? "").toLowerCase() === expected
    ? { outcome: "ok", evidence: [`Registry encryption uses the identity with client id ${view.encryptionIdentity}`] }
    : {
        outcome: "unchanged",
        message: `Registry encryption still uses the identity with client id ${view.encryptionIdentity}.`,
      };
};

const checkOldIdentity: StepFn = async (azure, input, signal) => {
  const old = String(input.facts.identityResourceId ?? "").toLowerCase();
  const view = await identityView(azure, input, signal);
  const label = encryptionIdentityLabel(input.facts);
  if (!old || !view.assigned.includes(old))
    return { outcome: "gone", evidence: [`The old ${label} is no longer assigned`] };
  return {
    outcome: "assigned",
    evidence: [`The old ${label} is still assigned; encryption no longer uses it`],
    plans: [
      {
        stepId: "remove-old-identity",
        title: `Remove the old ${label} from ${input.target.registry}`,
        resource: view.registry.id,
        before: `user-assigned identities: ${view.assigned.join(", ")}`,
        after: `user-assigned identities: ${view.assigned.filter((id) => id !== old).join(", ") || "(none)"}`,
        az: fillAz(AZ.removeIdentity, input.target, input.facts),
        risk: "medium",
        irreversible: false,
        fingerprint: identityFingerprint(view),
        beforeState: { identity: view.registry.identity },
        rollback: fillAz(AZ.assignIdentity, input.target, input.facts),
        params: { resourceId: old, who: `old ${label}` },
      },
    ],
  };
};

const removeOldIdentity: StepFn = guardedChangeFn({
  read: identityView,
  fingerprintOf: identityFingerprint,
  done: (view, input) => !view.assigned.includes(String(input.plan?.params?.resourceId).toLowerCase()),
  describeDone: "the old identity is not assigned",
  apply: async (azure, input, view, signal) => {
    const id = String(input.plan?.params?.resourceId);
    // Never remove the identity the encryption still uses: that is the incident this runbook repairs.
    if ((view.encryptionIdentity ?? "").toLowerCase() === String(input.facts.identity).toLowerCase()) {
      throw Object.assign(new Error("encryption still uses the old identity; refusing to remove it"), {
        kind: "conflict",
      });
    }
    await azure.removeRegistryIdentities(registryRef(input), { userAssigned: [id] }, call(signal));
    return { evidence: [`${planWho(input, `identity ${id}`)} removed from ${input.target.registry}`] };
  },
});

const verifyRemoved: StepFn = async (azure, input, signal) => {
  const id = String(input.plan?.params?.resourceId).toLowerCase();
  const view = await identityView(azure, input, signal);
  return view.assigned.includes(id)
    ? { outcome: "still-assigned", message: `Identity ${id} is still assigned.` }
    : { outcome: "ok", evidence: [`Identity ${id} removed`] };
};

export function identityRemovedActors(): Record<string, StepFn> {
  return {
    findIdentity,
    reassignIdentity: assignIdentity,
    verifyAssigned,
    listTargetIdentities,
    checkTargetIdentity,
    assignTargetIdentity: assignIdentity,
    grantAccess,
    verifyAccess,
    rotateToTarget,
    verifyRotatedIdentity,
    checkOldIdentity,
    removeOldIdentity,
    verifyRemoved,
    verifyRegistry: verifyRegistryReads,
  };
}
