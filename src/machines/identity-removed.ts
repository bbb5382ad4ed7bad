// Runbook: the managed identity the registry's encryption uses was removed.
// User-assigned: re-assign it (optionally move encryption to another identity, then remove the old one).
// System-assigned: only Azure Support can restore it — escalate with a ready-to-paste support request.
// Source: https://learn.microsoft.com/en-us/azure/container-registry/tutorial-troubleshoot-customer-managed-keys
//   ("Error when you remove a managed identity")
import { identityRemovedActors } from "./actors/identity-removed.js";
import { ACCESS_AZ, AZ } from "./az.js";
import { buildRunbook } from "./build-machine.js";
import { verifyRegistry } from "./common-steps.js";
import { check, guardedChange, input, type RunbookSpec } from "./steps.js";

export const identityRemovedSpec: RunbookSpec = {
  id: "identity-removed",
  summary:
    "The identity the registry uses to reach its key was removed. A user-assigned identity is re-assigned and verified, with an optional move of encryption to another identity; a system-assigned one is escalated to Azure Support with a ready-to-paste request.",
  succeeded: "The registry's encryption identity is assigned again and the registry reads its content.",
  steps: [
    check(
      "find-identity",
      {
        title: "Find the identity the encryption uses",
        why: "The fix depends on whether it is user-assigned (re-assign it) or system-assigned (support ticket).",
        risk: "none",
        az: AZ.showIdentity,
      },
      "findIdentity",
      {
        "user-not-assigned": "approve-reassign-identity",
        "user-assigned": "keep-or-move",
        "system-present": "verify-registry",
        "system-missing": "escalated",
        "not-cmk": "escalated",
      },
    ),
    ...guardedChange({
      id: "reassign-identity",
      title: "Re-assign the identity to the registry",
      why: "The documented fix for a removed user-assigned identity: `az acr identity assign` with its resource id.",
      risk: "low",
      az: AZ.assignIdentity,
      actor: "reassignIdentity",
      verifyActor: "verifyAssigned",
      verifyTitle: "Verify the identity is assigned",
      verifyAz: AZ.showIdentity,
      verifyOn: { ok: "keep-or-move", missing: "failed" },
      recheck: "find-identity",
    }),
    input(
      "keep-or-move",
      {
        title: "Keep this identity or move encryption",
        why: "Once the identity is back, encryption may stay on it or move to another identity before the old one is removed.",
        risk: "none",
      },
      {
        prompt: "Keep this identity for encryption, or move encryption to another user-assigned identity?",
        on: { keep: "verify-registry", move: "list-target-identities" },
        options: [
          { id: "keep", label: "Keep this identity" },
          { id: "move", label: "Move encryption to another identity" },
        ],
        defaultOption: "keep",
      },
    ),
    check(
      "list-target-identities",
      {
        title: "List identities encryption could move to",
        why: "The new identity must exist before it can be granted access.",
        risk: "none",
        az: "az identity list",
      },
      "listTargetIdentities",
      { found: "choose-target-identity", none: "verify-registry" },
    ),
    input(
      "choose-target-identity",
      {
        title: "Choose the new identity",
        why: "A person picks which identity will hold access to the key.",
        risk: "none",
      },
      { prompt: "Which identity should the registry use for its key?", on: {}, otherwise: "check-target-identity" },
    ),
    check(
      "check-target-identity",
      {
        title: "Check the new identity",
        why: "It must be assigned to the registry and hold key access before encryption can switch to it.",
        risk: "none",
        azByAccess: ACCESS_AZ.showTarget,
      },
      "checkTargetIdentity",
      {
        "needs-assignment": "approve-assign-target-identity",
        "needs-access": "approve-grant-target-access",
        ready: "approve-rotate-to-target-identity",
        switched: "check-old-identity",
      },
    ),
    ...guardedChange({
      id: "assign-target-identity",
      title: "Assign the new identity to the registry",
      why: "A registry can only use identities assigned to it.",
      risk: "low",
      az: AZ.assignTargetIdentity,
      actor: "assignTargetIdentity",
      verifyActor: "verifyAssigned",
      verifyTitle: "Verify the new identity is assigned",
      verifyAz: AZ.showIdentity,
      verifyOn: { ok: "check-target-identity", missing: "failed" },
      recheck: "check-target-identity",
    }),
    ...guardedChange({
      id: "grant-target-access",
      title: "Grant the new identity access to the key",
      why: "get, wrapKey, unwrapKey (access policy) or Key Vault Crypto Service Encryption User (RBAC), per the vault's mode.",
      risk: "medium",
      az: ACCESS_AZ.grantTarget,
      actor: "grantAccess",
      verifyActor: "verifyAccess",
      verifyTitle: "Verify the new identity's access",
      verifyAz: ACCESS_AZ.showTarget,
      verifyOn: { ok: "check-target-identity", missing: "failed" },
      recheck: "check-target-identity",
    }),
    ...guardedChange({
      id: "rotate-to-target-identity",
      title: "Rotate the key with the new identity",
      why: "`az acr encryption rotate-key` with the same key id and the new identity moves encryption without changing the key.",
      risk: "medium",
      az: AZ.rotateToTargetIdentity,
      actor: "rotateToTarget",
      verifyActor: "verifyRotatedIdentity",
      verifyTitle: "Verify encryption uses the new identity",
      verifyAz: AZ.showRegistryEncryption,
      verifyOn: { ok: "check-old-identity", unchanged: "failed" },
      recheck: "check-target-identity",
    }),
    check(
      "check-old-identity",
      {
        title: "Check the old identity",
        why: "Only after encryption uses the new identity may the old one be removed.",
        risk: "none",
        az: AZ.showIdentity,
      },
      "checkOldIdentity",
      { assigned: "approve-remove-old-identity", gone: "verify-registry" },
    ),
    ...guardedChange({
      id: "remove-old-identity",
      title: "Remove the old identity from the registry",
      why: "The docs: after changing the key and assigning a different identity, the original identity can be removed.",
      risk: "medium",
      az: AZ.removeIdentity,
      actor: "removeOldIdentity",
      verifyActor: "verifyRemoved",
      verifyTitle: "Verify the old identity is removed",
      verifyAz: AZ.showIdentity,
      verifyOn: { ok: "verify-registry", "still-assigned": "failed" },
      recheck: "check-old-identity",
    }),
    verifyRegistry({ next: "succeeded" }),
  ],
};

export const identityRemoved = buildRunbook(identityRemovedSpec, () => identityRemovedActors());
