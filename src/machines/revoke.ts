// Runbook: revoke the registry's access to its key on purpose. State the impact, back up the key, record exactly the
// access being removed, remove it by the chosen method, verify the registry is cut off.
// Source: https://learn.microsoft.com/en-us/azure/container-registry/tutorial-rotate-revoke-customer-managed-keys
//   ("Revoke a customer-managed key")
import { revokeActors } from "./actors/revoke.js";
import { ACCESS_AZ, AZ } from "./az.js";
import { buildRunbook } from "./build-machine.js";
import { backupKey } from "./common-steps.js";
import { check, guardedChange, input, manual, type RunbookSpec } from "./steps.js";

export const revokeSpec: RunbookSpec = {
  id: "revoke",
  summary:
    "Deliberately cut the registry off from its key: state the impact, back up the key, record exactly the access that will be removed, remove the access policy entry, the role assignment or disable the key (the operator chooses), and verify the registry can no longer read its content.",
  succeeded: "Access revoked: the registry can no longer read its content. `acr-cmk restore` gives it back.",
  steps: [
    manual(
      "state-impact",
      {
        title: "State the impact",
        why: "Revoking the key blocks access to all registry data until access is restored.",
        risk: "none",
        az: AZ.showRegistryEncryption,
      },
      "stateImpact",
      { stated: "approve-backup-key", "not-cmk": "escalated" },
    ),
    ...backupKey({
      why: "A backup kept outside the vault protects against a later mistake.",
      next: "record-access",
      recheck: "state-impact",
    }),
    check(
      "record-access",
      {
        title: "Record the access that will be removed",
        why: "Restore puts back exactly what is recorded here.",
        risk: "none",
        azByAccess: ACCESS_AZ.show,
      },
      "recordAccess",
      { recorded: "choose-method", "already-revoked": "verify-revoke-access" },
    ),
    input(
      "choose-method",
      { title: "Choose how to revoke", why: "Only the methods that apply to this vault are offered.", risk: "none" },
      {
        prompt: "How should access be revoked?",
        on: {
          "access-policy": "approve-revoke-access",
          "role-assignment": "approve-revoke-access",
          "disable-key": "approve-revoke-access",
        },
        planFor: "revoke-access",
      },
    ),
    ...guardedChange({
      id: "revoke-access",
      title: "Remove the registry's access to its key",
      why: "Deletes the access policy entry, the role assignment, or disables the key version, as chosen. All registry content becomes unreadable.",
      risk: "high",
      az: AZ.revokeAccess,
      actor: "revokeAccess",
      verifyActor: "verifyCutOff",
      verifyTitle: "Verify the registry is cut off",
      verifyAz: AZ.checkRegistry,
      verifyOn: { "cut-off": "succeeded", "still-readable": "failed" },
      recheck: "record-access",
    }),
  ],
};

export const revoke = buildRunbook(revokeSpec, () => revokeActors());
