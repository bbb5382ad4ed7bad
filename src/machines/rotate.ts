// Runbook: rotate the registry's key. Create a new key version; an automatic (versionless) registry picks it up
// within an hour — a durable wait with a deadline; a manual (versioned) registry is rotated with rotate-key (or
// switched to the versionless id). Then back up the key.
// Source: https://learn.microsoft.com/en-us/azure/container-registry/tutorial-rotate-revoke-customer-managed-keys
import { rotateActors } from "./actors/rotate.js";
import { AZ } from "./az.js";
import { buildRunbook } from "./build-machine.js";
import { backupKey } from "./common-steps.js";
import { check, guardedChange, wait, type RunbookSpec, type StepSpec } from "./steps.js";

/** Azure documents pickup of a new version "within 1 hour". */
export const ROTATION_PICKUP_DEADLINE_MS = 60 * 60 * 1000;

/**
 * The rotation itself: tell automatic from manual, create a new key version, then wait for pickup (automatic) or
 * rotate-key to it (manual). Shared by `rotate` and by `restore` (an expired key Key Vault refuses to extend is
 * replaced the same way). A verified rotation goes to `rotated`; the actors are `rotationActors()`.
 */
export function rotationSteps(rotated: string): StepSpec[] {
  return [
    check(
      "check-rotation-mode",
      {
        title: "Tell automatic from manual rotation",
        why: "A versionless key id means the registry follows new versions itself; a versioned one needs rotate-key.",
        risk: "none",
        az: AZ.showRegistryEncryption,
      },
      "checkRotationMode",
      { automatic: "approve-create-key-version", manual: "approve-create-key-version", "not-cmk": "escalated" },
    ),
    ...guardedChange({
      id: "create-key-version",
      title: "Create a new key version",
      why: "Rotation starts in Key Vault: a new version of the same key.",
      risk: "low",
      az: AZ.createKeyVersion,
      actor: "createKeyVersion",
      verifyActor: "verifyNewVersion",
      verifyTitle: "Verify the new version exists",
      verifyAz: AZ.listKeyVersions,
      verifyOn: { automatic: "check-pickup", manual: "approve-rotate-key", missing: "failed" },
      recheck: "check-rotation-mode",
    }),
    {
      ...check(
        "check-pickup",
        {
          title: "Check whether the registry uses the new version",
          why: "Automatic rotation is done when versionedKeyIdentifier names the new version.",
          risk: "none",
          az: AZ.showRegistryEncryption,
        },
        "checkPickup",
        { "picked-up": rotated, "not-yet": "wait-pickup" },
      ),
      deadlineTarget: "escalated",
    },
    wait(
      "wait-pickup",
      {
        title: "Wait for the registry to pick up the new version",
        why: "Azure documents pickup within one hour. Past that, check the vault firewall and the identity's access, then contact Azure Support.",
        risk: "none",
        az: AZ.showRegistryEncryption,
      },
      {
        poll: "check-pickup",
        onDeadline: "escalated",
        deadlineMs: ROTATION_PICKUP_DEADLINE_MS,
        timeout: {
          summary:
            "The registry did not pick up the new key version within the hour Azure documents. The new version exists; the registry still encrypts with the previous one.",
          nextSteps: [
            "Check the vault firewall (trusted Azure services allowed) and the identity's key access: <acr-cmk> diagnose -g <resource-group> -r <registry>",
            "To move now instead of waiting: az acr encryption rotate-key --name <registry> --key-encryption-key <key-id>/<new-key-version> --identity <identity>",
            "If the registry still does not pick it up, open an Azure support request with the registry id and this run's log.",
          ],
        },
      },
    ),
    ...guardedChange({
      id: "rotate-key",
      title: "Rotate the registry to the new version",
      why: "A versioned key id stays on its version until rotate-key names the new one (INPUT switch-to-automatic uses the versionless id instead).",
      risk: "medium",
      az: AZ.rotateKey,
      actor: "rotateKey",
      verifyActor: "verifyRotated",
      verifyTitle: "Verify the registry uses the new version",
      verifyAz: AZ.showRegistryEncryption,
      verifyOn: { ok: rotated, "not-rotated": "failed" },
      recheck: "check-rotation-mode",
      alternatives: { "switch-to-automatic": "rotate-versionless" },
    }),
  ];
}

export const rotateSpec: RunbookSpec = {
  id: "rotate",
  summary:
    "Create a new key version. With automatic rotation (versionless key id) wait until the registry picks it up (Azure: within an hour); with manual rotation (versioned key id) run rotate-key to the new version, or switch to automatic. Verify, then back up the key.",
  succeeded: "The registry encrypts with the new key version and the key is backed up.",
  steps: [
    ...rotationSteps("approve-backup-key"),
    ...backupKey({
      why: "A backup taken after rotation includes the new version.",
      next: "succeeded",
      recheck: "check-pickup",
    }),
  ],
};

export const rotate = buildRunbook(rotateSpec, () => rotateActors());
