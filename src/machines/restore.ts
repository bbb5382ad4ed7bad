// Runbook: give the registry back its key (after a revoke, a disabled or expired key). Puts back the documented
// minimum access, re-enables a disabled key version, extends an expired one — or, when Key Vault refuses to extend
// it, replaces it with a new version the way `rotate` does — and verifies the registry reads again.
import { restoreActors } from "./actors/restore.js";
import { ACCESS_AZ, AZ } from "./az.js";
import { buildRunbook } from "./build-machine.js";
import { grantAccess, verifyRegistry } from "./common-steps.js";
import { rotationSteps } from "./rotate.js";
import { check, guardedChange, input, type RunbookSpec } from "./steps.js";
import { verifyGroupKeyPath } from "./actors/container-group.js";
import { wallClock } from "./actors/wall-clock.js";
import { forContainerGroups } from "./container-group-steps.js";

export const restoreSpec: RunbookSpec = {
  id: "restore",
  summary:
    "Give the registry its key back: re-grant the documented minimum (get, wrapKey, unwrapKey, or the Key Vault Crypto Service Encryption User role), re-enable a disabled key version, extend an expired one (if Key Vault refuses, create a new key version and move the registry to it, as `rotate` does), and verify the registry reads its content.",
  succeeded:
    "The registry's identity has key access, the key version in use is enabled and valid, and the registry reads its content.",
  steps: [
    check(
      "check-access",
      {
        title: "Check the identity's access to the key",
        why: "The registry reads its data only while its identity may get, wrap and unwrap the key.",
        risk: "none",
        azByAccess: ACCESS_AZ.show,
      },
      "checkAccess",
      {
        "access-ok": "check-key-state",
        "access-missing": "approve-grant-access",
        "other-runbook": "escalated",
        "not-cmk": "escalated",
      },
    ),
    ...grantAccess({
      title: "Grant the identity access to the key",
      why: "The documented minimum: get, wrapKey, unwrapKey (access policy), or Key Vault Crypto Service Encryption User at vault scope (RBAC).",
      next: "check-key-state",
    }),
    check(
      "check-key-state",
      {
        title: "Check the key version in use",
        why: "A disabled version blocks all reads; an expired one blocks rotation and new writes.",
        risk: "none",
        az: AZ.listKeyVersions,
      },
      "checkKeyState",
      { disabled: "approve-enable-key", expired: "approve-extend-key", usable: "verify-registry" },
    ),
    ...guardedChange({
      id: "enable-key",
      title: "Re-enable the key version",
      why: "A disabled key refuses unwrap: the registry cannot decrypt anything until it is enabled.",
      risk: "medium",
      az: AZ.enableKeyVersion,
      actor: "enableKey",
      verifyActor: "verifyKeyUsable",
      verifyTitle: "Verify the key version is usable",
      verifyAz: AZ.listKeyVersions,
      verifyOn: { ok: "check-key-state", unusable: "failed" },
      recheck: "check-key-state",
    }),
    ...guardedChange({
      id: "extend-key",
      title: "Extend the key's expiry",
      why: "Expired keys still unwrap, but wrap (rotation, new data) fails; one more year buys time for a planned rotation.",
      risk: "medium",
      az: AZ.extendKey,
      actor: "extendKey",
      verifyActor: "verifyKeyUsable",
      verifyTitle: "Verify the key version is usable",
      verifyAz: AZ.listKeyVersions,
      verifyOn: { ok: "check-key-state", unusable: "failed" },
      recheck: "check-key-state",
      refused: "offer-new-key-version",
    }),
    input(
      "offer-new-key-version",
      {
        title: "Offer a new key version instead",
        why: "Key Vault refused to extend the expired key. A new version of the same key, with the registry moved to it, ends the expiry without touching the old version.",
        risk: "none",
      },
      {
        prompt:
          "Key Vault refused to extend the expired key. Create a new key version and move the registry to it (each change asks for approval)?",
        on: { replace: "check-rotation-mode", stop: "failed" },
        options: [
          { id: "replace", label: "Create a new key version and move the registry to it (as acr-cmk rotate does)" },
          { id: "stop", label: "Stop here: RETRY tries the extension again once Key Vault allows it" },
        ],
        defaultOption: "replace",
      },
    ),
    // Exactly rotate's steps and actors; a verified rotation comes back to look at the key the registry now uses.
    ...rotationSteps("check-key-state"),
    verifyRegistry({ next: "succeeded" }),
  ],
};

export const restore = buildRunbook(restoreSpec, (_azure, options) => restoreActors(options));

/**
 * For a container group: access, a disabled or expired key version, as for a registry. A group reads only the version
 * it was deployed with, so a new key version would not reach it: when Key Vault refuses the extension the run stops
 * (resumable) and says to retry or redeploy, instead of offering rotate's steps.
 */
export const restoreForContainerGroupsSpec = forContainerGroups(
  restoreSpec,
  {
    summary:
      "Give the container group its key back: re-grant the identity it was deployed with the documented minimum, re-enable the key version it was deployed with if it is disabled, extend it if it has expired, and verify the group's key path is usable. A group cannot move to a new key version without being redeployed, so none is offered.",
    succeeded:
      "The container group's identity has key access and the key version the group was deployed with is enabled and valid.",
  },
  new Set(["offer-new-key-version", ...rotationSteps("check-key-state").map((step) => step.id)]),
);

export const restoreForContainerGroups = buildRunbook(restoreForContainerGroupsSpec, (_azure, options) => ({
  ...restoreActors(options),
  verifyContainerGroup: verifyGroupKeyPath(options?.now ?? wallClock.now),
}));
