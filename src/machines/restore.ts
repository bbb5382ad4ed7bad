// Runbook: give the registry back its key (after a revoke, a disabled or expired key). Puts back the documented
// minimum access, re-enables a disabled key version, extends an expired one, and verifies the registry reads again.
import { restoreActors } from "./actors/restore.js";
import { AZ } from "./az.js";
import { buildRunbook } from "./build-machine.js";
import { check, guardedChange, verify, type RunbookSpec } from "./steps.js";

export const restoreSpec: RunbookSpec = {
  id: "restore",
  title: "Restore the registry's access to its key",
  summary:
    "Give the registry its key back: re-grant the documented minimum (get, wrapKey, unwrapKey, or the Key Vault Crypto Service Encryption User role), re-enable a disabled key version, extend an expired one, and verify the registry reads its content.",
  succeeded:
    "The registry's identity has key access, the key version in use is enabled and valid, and the registry reads its content.",
  steps: [
    check(
      "check-access",
      {
        title: "Check the identity's access to the key",
        why: "The registry reads its data only while its identity may get, wrap and unwrap the key.",
        risk: "none",
        az: AZ.showPolicies,
      },
      "checkAccess",
      {
        "access-ok": "check-key-state",
        "access-missing": "approve-grant-access",
        "other-runbook": "escalated",
        "not-cmk": "escalated",
      },
    ),
    ...guardedChange({
      id: "grant-access",
      title: "Grant the identity access to the key",
      why: "The documented minimum: get, wrapKey, unwrapKey (access policy), or Key Vault Crypto Service Encryption User at vault scope (RBAC).",
      risk: "medium",
      az: AZ.setPolicy,
      actor: "grantAccess",
      verifyActor: "verifyAccess",
      verifyTitle: "Verify the identity's access",
      verifyAz: AZ.showPolicies,
      verifyOn: { ok: "check-key-state", missing: "failed" },
      recheck: "check-access",
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
    }),
    verify(
      "verify-registry",
      {
        title: "Verify the registry reads its key",
        why: "The registry's own data plane must answer again.",
        risk: "none",
        az: AZ.checkRegistry,
      },
      "verifyRegistry",
      { ok: "succeeded", unreadable: "failed" },
    ),
  ],
};

export const restore = buildRunbook(restoreSpec, () => restoreActors());
