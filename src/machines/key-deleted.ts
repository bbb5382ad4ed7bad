// Runbook: accidental deletion of the key vault or the key. Recover the vault, then the key; re-grant the RBAC access
// a recovered vault loses; prove the registry reads its key; recommend a key backup and purge protection. A purge ends
// in `unrecoverable`.
// Sources: https://learn.microsoft.com/en-us/azure/container-registry/tutorial-troubleshoot-customer-managed-keys
//   ("Accidental deletion of a key vault or key"),
// https://learn.microsoft.com/en-us/azure/key-vault/general/key-vault-recovery
import { keyDeletedActors } from "./actors/key-deleted.js";
import { ACCESS_AZ, AZ } from "./az.js";
import { buildRunbook } from "./build-machine.js";
import { grantAccess, verifyRegistry } from "./common-steps.js";
import { check, guardedChange, input, manual, type RunbookSpec } from "./steps.js";
import { verifyGroupKeyPath } from "./actors/container-group.js";
import { wallClock } from "./actors/wall-clock.js";
import { forContainerGroups } from "./container-group-steps.js";

export const keyDeletedSpec: RunbookSpec = {
  id: "key-deleted",
  summary:
    "The registry's key or its key vault was deleted. Recover the soft-deleted vault and key, re-grant the identity's access, verify the registry reads its key, and recommend a backup and purge protection. A purged key or vault is unrecoverable: the run says so and what to do.",
  succeeded:
    "The key vault and key are back, the registry's identity has access, and the registry reads its content again.",
  steps: [
    check(
      "check-vault",
      {
        title: "Check whether the key vault exists",
        why: "A deleted vault takes every key with it; it must come back first.",
        risk: "none",
        az: AZ.listDeletedVaults,
      },
      "checkVault",
      {
        "vault-present": "check-key",
        "vault-soft-deleted": "approve-recover-vault",
        "vault-purged": "unrecoverable",
        "not-cmk": "escalated",
      },
    ),
    ...guardedChange({
      id: "recover-vault",
      title: "Recover the soft-deleted key vault",
      why: "Soft delete keeps the vault, its keys and access policies for the retention period; recovery brings them back as they were.",
      risk: "low",
      az: AZ.recoverVault,
      actor: "recoverVault",
      verifyActor: "verifyVault",
      verifyTitle: "Verify the key vault is live",
      verifyAz: AZ.showVault,
      verifyOn: { ok: "check-key", missing: "failed" },
      recheck: "check-vault",
    }),
    check(
      "check-key",
      {
        title: "Check whether the key exists",
        why: "The registry needs the exact key its encryption names. Key Vault's delete is eventually consistent, so a key in neither the live nor the deleted list is looked at again before it is called purged.",
        risk: "none",
        az: AZ.showDeletedKey,
      },
      "checkKey",
      {
        "key-present": "check-access",
        "key-soft-deleted": "approve-recover-key",
        "key-purged": "unrecoverable",
        "key-not-purged": "escalated",
      },
    ),
    ...guardedChange({
      id: "recover-key",
      title: "Recover the soft-deleted key",
      why: "A soft-deleted key comes back with every version, so the registry's data can be decrypted again.",
      risk: "low",
      az: AZ.recoverKey,
      actor: "recoverKey",
      verifyActor: "verifyKey",
      verifyTitle: "Verify the key is readable",
      verifyAz: AZ.showKey,
      verifyOn: { ok: "check-access", missing: "failed" },
      recheck: "check-key",
    }),
    check(
      "check-access",
      {
        title: "Check the identity's access to the key",
        why: "A recovered vault does not get its RBAC role assignments back; without them the registry still cannot unwrap its key.",
        risk: "none",
        azByAccess: ACCESS_AZ.show,
      },
      "checkAccess",
      { "access-ok": "verify-registry", "access-missing": "approve-grant-access", "identity-missing": "escalated" },
    ),
    ...grantAccess({
      title: "Re-grant the identity access to the key",
      why: "The documented minimum: Key Vault Crypto Service Encryption User at vault scope (RBAC), or get, wrapKey, unwrapKey (access policy).",
      next: "verify-registry",
    }),
    verifyRegistry({
      next: "recommend-backup",
      why: "Success means the registry's own data plane answers again, not just that the key exists.",
    }),
    manual(
      "recommend-backup",
      {
        title: "Keep a key backup",
        why: "A backup outside the vault is the only way back if the key is ever purged.",
        risk: "none",
        az: AZ.backupKey,
      },
      "recommendBackup",
      { noted: "check-purge-protection" },
    ),
    check(
      "check-purge-protection",
      {
        title: "Check purge protection",
        why: "With purge protection on, a deleted key can always be recovered during retention.",
        risk: "none",
        az: AZ.showVault,
      },
      "checkPurgeProtection",
      { on: "succeeded", off: "offer-purge-protection" },
    ),
    input(
      "offer-purge-protection",
      {
        title: "Offer purge protection",
        why: "Turning it on is recommended but cannot be undone, so a person chooses.",
        risk: "none",
      },
      {
        prompt: "Purge protection is off. Enable it now? It cannot be turned off again.",
        on: { enable: "approve-enable-purge-protection", later: "succeeded" },
        options: [
          { id: "enable", label: "Enable purge protection now" },
          { id: "later", label: "Not now" },
        ],
        defaultOption: "later",
      },
    ),
    ...guardedChange({
      id: "enable-purge-protection",
      title: "Enable purge protection on the key vault",
      why: "Nobody, not even an owner, can then purge the key before its retention ends. It cannot be turned off again.",
      risk: "medium",
      irreversible: true,
      az: AZ.enablePurgeProtection,
      actor: "enablePurgeProtection",
      verifyActor: "verifyPurgeProtection",
      verifyTitle: "Verify purge protection is on",
      verifyAz: AZ.showVault,
      verifyOn: { ok: "succeeded", off: "failed" },
      recheck: "check-purge-protection",
    }),
  ],
};

export const keyDeleted = buildRunbook(keyDeletedSpec, (_azure, options) => keyDeletedActors(options));

/** For a container group: the same recovery of vault, key and access; the proof is the group's key path. */
export const keyDeletedForContainerGroupsSpec = forContainerGroups(keyDeletedSpec, {
  summary:
    "The container group's key or its key vault was deleted. Recover the soft-deleted vault and key, re-grant the identity the group was deployed with its access, verify the key version the group was deployed with is usable again, and recommend a backup and purge protection. A purged key or vault cannot come back: the group must be redeployed with a new key.",
  succeeded:
    "The key vault and key are back, the container group's identity has access, and the key version the group was deployed with is usable.",
});

export const keyDeletedForContainerGroups = buildRunbook(keyDeletedForContainerGroupsSpec, (_azure, options) => ({
  ...keyDeletedActors(options),
  verifyContainerGroup: verifyGroupKeyPath(options?.now ?? wallClock.now),
}));
