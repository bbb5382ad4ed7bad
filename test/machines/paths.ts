// The path models of every runbook: how the sandbox produces each outcome the machine can observe.
import { RUNBOOKS } from "../../src/machines/index.js";
import type { World } from "../../src/sandbox/world.js";
import { GROUP_WORLD, groupTarget } from "./harness.js";
import type { PathModel, Realization } from "./model.js";
import {
  addKeyVersion,
  assignToRegistry,
  deleteGroupIdentity,
  disableCmk,
  encryptionIdentityRecord,
  grantPolicy,
  healAccess,
  incident,
  keyDeletionInProgress,
  keyInUse,
  principalOf,
  registryOf,
  removeAccess,
  setOperatorKeyUpdate,
  spareIdentity,
  touchAccess,
  unassignFromRegistry,
  vaultOf,
} from "./world-changes.js";

/** Someone assigns yet another identity: the registry's identity picture is not the one approved. */
function assignOther(w: World): void {
  const reg = registryOf(w);
  reg.userAssignedIdentities.push(
    `/subscriptions/${w.subscriptionId}/resourcegroups/${reg.resourceGroup}/providers/microsoft.managedidentity/userassignedidentities/other`,
  );
}

const notCmk = { before: (w: World) => disableCmk(w) };
const unreadable = { before: incident("key-disabled") };

export const keyDeletedModel: PathModel = {
  runbook: RUNBOOKS["key-deleted"],
  base: {},
  realize: {
    "check-vault:vault-soft-deleted": { before: incident("vault-deleted") },
    "check-vault:vault-purged": { before: incident("vault-purged") },
    "check-vault:not-cmk": notCmk,
    "recover-vault:stale": {
      before: (w) => {
        const v = vaultOf(w);
        if (v.deleted) v.deleted.deletionDate = new Date(Date.parse(v.deleted.deletionDate) - 60_000).toISOString();
      },
    },
    "verify-recover-vault:missing": { before: incident("vault-deleted") },
    "check-key:key-soft-deleted": { before: incident("key-deleted") },
    "check-key:key-purged": { before: incident("key-purged") },
    // Purge protection on and the registry used the key days ago: a key still being deleted is not called purged.
    "check-key:key-not-purged": { before: keyDeletionInProgress(60 * 60_000) },
    "recover-key:stale": {
      before: (w) => {
        const { key } = keyInUse(w);
        if (key.deleted) key.deleted.deletedDate = new Date(Date.parse(key.deleted.deletedDate) - 60_000).toISOString();
      },
    },
    "verify-recover-key:missing": { before: incident("key-deleted") },
    "check-access:access-missing": { before: incident("access-revoked") },
    "check-access:identity-missing": {
      scenario: { scenario: "system-identity" },
      before: incident("system-identity-removed"),
    },
    "grant-access:stale": { before: (w) => touchAccess(w, principalOf(w)) },
    "verify-grant-access:missing": { before: (w) => removeAccess(w, principalOf(w)) },
    "verify-registry:unreadable": unreadable,
    "check-purge-protection:off": { scenario: { scenario: "no-purge-protection" } },
    "verify-enable-purge-protection:off": { before: (w) => void (vaultOf(w).enablePurgeProtection = false) },
  },
  unrealizable: {
    "enable-purge-protection:stale":
      "the approval is bound to 'purge protection off'; the only other state is 'on', which is the change already in place",
  },
};

export const identityRemovedModel: PathModel = {
  runbook: RUNBOOKS["identity-removed"],
  base: {},
  realize: {
    "find-identity:user-not-assigned": { before: incident("identity-removed") },
    "find-identity:system-present": { scenario: { scenario: "system-identity" } },
    "find-identity:system-missing": {
      scenario: { scenario: "system-identity" },
      before: incident("system-identity-removed"),
    },
    "find-identity:not-cmk": notCmk,
    "reassign-identity:stale": { before: (w) => assignOther(w) },
    "verify-reassign-identity:missing": {
      before: (w) => unassignFromRegistry(w, String(encryptionIdentityRecord(w)?.id)),
    },
    "list-target-identities:found": { before: (w) => void spareIdentity(w) },
    "check-target-identity:needs-access": { before: (w) => assignToRegistry(w, spareIdentity(w)) },
    "check-target-identity:ready": {
      before: (w) => {
        assignToRegistry(w, spareIdentity(w));
        grantPolicy(w, spareIdentity(w).principalId);
      },
    },
    "check-target-identity:switched": {
      before: (w) => {
        const spare = spareIdentity(w);
        assignToRegistry(w, spare);
        grantPolicy(w, spare.principalId);
        registryOf(w).encryption.identity = spare.clientId;
      },
    },
    "assign-target-identity:stale": { before: (w) => assignOther(w) },
    "verify-assign-target-identity:missing": { before: (w) => unassignFromRegistry(w, spareIdentity(w).id) },
    "grant-target-access:stale": { before: (w) => touchAccess(w, spareIdentity(w).principalId) },
    "verify-grant-target-access:missing": { before: (w) => removeAccess(w, spareIdentity(w).principalId) },
    "rotate-to-target-identity:stale": { before: (w) => assignOther(w) },
    "verify-rotate-to-target-identity:unchanged": {
      before: (w) =>
        void (registryOf(w).encryption.identity = String(
          Object.values(w.identities).find((i) => i.name !== "id-acr-cmk-spare")?.clientId,
        )),
    },
    "check-old-identity:gone": {
      before: (w) => {
        const spare = spareIdentity(w);
        const old = Object.values(w.identities).find((i) => i.id !== spare.id);
        if (old) unassignFromRegistry(w, old.id);
      },
    },
    "remove-old-identity:stale": { before: (w) => assignOther(w) },
    "verify-remove-old-identity:still-assigned": {
      before: (w) => {
        const spare = spareIdentity(w);
        const old = Object.values(w.identities).find((i) => i.id !== spare.id);
        if (old) assignToRegistry(w, old);
      },
    },
    "verify-registry:unreadable": unreadable,
  },
  unrealizable: {},
};

export const firewall403Model: PathModel = {
  runbook: RUNBOOKS["firewall-403"],
  base: {},
  realize: {
    "check-network:blocked": { before: incident("firewall-403") },
    "check-network:stale-after-firewall": {
      before: (w, now) => {
        incident("firewall-403")(w, now);
        vaultOf(w).networkAcls.bypass = "AzureServices";
      },
    },
    "check-network:vault-missing": { before: incident("vault-deleted") },
    "allow-trusted-services:stale": { before: (w) => void vaultOf(w).networkAcls.ipRules.push("203.0.113.7/32") },
    "verify-allow-trusted-services:still-blocked": { before: (w) => void (vaultOf(w).networkAcls.bypass = "None") },
    "check-registry-access:ok": { before: (w) => void (registryOf(w).firewallStale = false) },
    "reconfigure-key:stale": { before: (w) => void vaultOf(w).networkAcls.ipRules.push("203.0.113.8/32") },
    "verify-reconfigure-key:still-blocked": { before: (w) => void (registryOf(w).firewallStale = true) },
  },
  unrealizable: {},
};

export const revokeModel: PathModel = {
  runbook: RUNBOOKS.revoke,
  base: {},
  realize: {
    "state-impact:not-cmk": notCmk,
    "backup-key:stale": { before: (w, now) => void addKeyVersion(w, now) },
    "record-access:already-revoked": {
      before: (w, now) => {
        incident("access-revoked")(w, now);
        incident("key-disabled")(w, now);
      },
    },
    "choose-method:INPUT:role-assignment": { scenario: { access: "rbac" } },
    "revoke-access:stale": {
      before: (w, now, path) => {
        if (path.choices["choose-method"] === "disable-key") {
          const { version } = keyInUse(w);
          version.updated = new Date(now.getTime() + 1000).toISOString();
          version.tags = { touched: "yes" };
        } else touchAccess(w, principalOf(w));
      },
    },
    "verify-revoke-access:still-readable": { before: (w) => healAccess(w) },
  },
  unrealizable: {},
};

/** How the sandbox produces the outcomes of rotate's steps; `restore` runs the same steps when it replaces a key. */
const rotationRealize: PathModel["realize"] = {
  "check-rotation-mode:manual": { scenario: { keyVersion: "pinned" } },
  "check-rotation-mode:not-cmk": notCmk,
  "verify-create-key-version:manual": { scenario: { keyVersion: "pinned" } },
  "verify-create-key-version:missing": { before: (w, now) => void addKeyVersion(w, now) },
  "check-pickup:picked-up": { before: (w) => void (w.settings.rotationPickupMs = 0) },
  "rotate-key:stale": {
    // Someone else pins the registry to yet another version meanwhile.
    before: (w, now) => {
      const reg = registryOf(w);
      const other = addKeyVersion(w, now);
      reg.encryption.keyIdentifier = String(reg.encryption.keyIdentifier).replace(/[0-9a-f]{32}$/, other);
      reg.encryption.versionedKeyIdentifier = reg.encryption.keyIdentifier;
    },
  },
  "verify-rotate-key:not-rotated": {
    before: (w) => {
      const reg = registryOf(w);
      const { key } = keyInUse(w);
      const first = key.versions[0]?.version;
      reg.encryption.versionedKeyIdentifier = String(reg.encryption.versionedKeyIdentifier).replace(
        /[0-9a-f]{32}$/,
        String(first),
      );
    },
  },
};
const rotationFacts: PathModel["facts"] = {
  "check-rotation-mode:automatic": { rotationMode: "automatic" },
  "check-rotation-mode:manual": { rotationMode: "manual" },
};
const rotationWhen: PathModel["when"] = {
  // The registry's key id decides the mode; a re-check after a stale approval sees the same kind of key id.
  "check-rotation-mode:automatic": (f) => f.rotationMode !== "manual",
  "check-rotation-mode:manual": (f) => f.rotationMode !== "automatic",
  "verify-create-key-version:automatic": (f) => f.rotationMode === "automatic",
  "verify-create-key-version:manual": (f) => f.rotationMode === "manual",
};
const rotationUnrealizable = {
  "create-key-version:stale":
    "a newer version appearing after the approval is the rotation's goal already met: the change adopts it instead of voiding the approval",
};

export const restoreModel: PathModel = {
  runbook: RUNBOOKS.restore,
  base: {},
  realize: {
    "check-access:access-missing": { before: incident("access-revoked") },
    "check-access:other-runbook": { before: incident("vault-deleted") },
    "check-access:not-cmk": notCmk,
    "grant-access:stale": { before: (w) => touchAccess(w, principalOf(w)) },
    "verify-grant-access:missing": { before: (w) => removeAccess(w, principalOf(w)) },
    "check-key-state:disabled": { before: incident("key-disabled") },
    "check-key-state:expired": { before: incident("key-expired") },
    "enable-key:stale": {
      before: (w) => void (keyInUse(w).version.exp = new Date(Date.now() + 400 * 86_400_000).toISOString()),
    },
    "verify-enable-key:unusable": { before: (w) => void (keyInUse(w).version.enabled = false) },
    "extend-key:stale": {
      before: (w) => void (keyInUse(w).version.exp = new Date(Date.now() - 2 * 86_400_000).toISOString()),
    },
    "verify-extend-key:unusable": {
      before: (w) => void (keyInUse(w).version.exp = new Date(Date.now() - 86_400_000).toISOString()),
    },
    "verify-registry:unreadable": { before: incident("firewall-403") },
    // Key Vault refuses the extension for real: the operator's access policy lacks "update" (403 ForbiddenByPolicy).
    "extend-key:refused": { before: (w) => setOperatorKeyUpdate(w, false) },
    // The same permission lets the operator re-enable a key later on the path (after a refused extension).
    "extend-key:done": { before: (w) => setOperatorKeyUpdate(w, true) },
    "enable-key:done": { before: (w) => setOperatorKeyUpdate(w, true) },
    ...rotationRealize,
  },
  facts: rotationFacts,
  when: {
    ...rotationWhen,
    // After a replacement the registry uses the new version: the pickup check comes after a verified new version.
    "check-pickup:not-yet": (f) => f.rotationMode === "automatic",
  },
  unrealizable: rotationUnrealizable,
};

export const rotateModel: PathModel = {
  runbook: RUNBOOKS.rotate,
  base: {},
  realize: {
    ...rotationRealize,
    "backup-key:stale": { before: (w, now) => void addKeyVersion(w, now) },
  },
  facts: rotationFacts,
  when: {
    ...rotationWhen,
    // With manual rotation the registry already uses the rotated version when check-pickup runs (after a stale backup).
    "check-pickup:not-yet": (f) => f.rotationMode === "automatic",
  },
  unrealizable: rotationUnrealizable,
};

/** Why a container group's run cannot meet a group without a customer-managed key. */
const GROUP_NOT_CMK =
  "the sandbox deploys every container group with encryptionProperties (a group without them uses Microsoft-managed keys, which the sandbox does not simulate)";

/**
 * key-deleted for a container group that shares the registry's key, vault and identity (GROUP_WORLD): every incident
 * on the registry's key breaks the group's too, and the run repairs the key the group was deployed with.
 */
export const keyDeletedGroupModel: PathModel = {
  runbook: RUNBOOKS["key-deleted"].containerGroup as NonNullable<(typeof RUNBOOKS)["key-deleted"]["containerGroup"]>,
  label: "key-deleted (container group)",
  base: GROUP_WORLD,
  target: groupTarget,
  realize: {
    ...Object.fromEntries(
      Object.entries(keyDeletedModel.realize).filter(
        ([edge]) =>
          !edge.startsWith("verify-registry:") &&
          !["check-access:identity-missing", "check-vault:not-cmk", "check-key:key-not-purged"].includes(edge),
      ),
    ),
    // The identity the group was deployed with is gone: only a redeploy can give it another.
    "check-access:identity-missing": { before: (w) => deleteGroupIdentity(w) },
    "verify-container-group:unusable": unreadable,
  },
  unrealizable: {
    "check-vault:not-cmk": GROUP_NOT_CMK,
    "check-key:key-not-purged":
      "a container group's body says nothing of when it last read its key (a registry has lastKeyRotationTimestamp), so the run never has the proof of recent use this edge needs",
    ...keyDeletedModel.unrealizable,
  },
};

/** restore for the same container group: access, a disabled or an expired version; no new version is offered. */
export const restoreGroupModel: PathModel = {
  runbook: RUNBOOKS.restore.containerGroup as NonNullable<(typeof RUNBOOKS)["restore"]["containerGroup"]>,
  label: "restore (container group)",
  base: GROUP_WORLD,
  target: groupTarget,
  realize: {
    "check-access:access-missing": { before: incident("access-revoked") },
    "check-access:other-runbook": { before: incident("vault-deleted") },
    "grant-access:stale": { before: (w) => touchAccess(w, principalOf(w)) },
    "verify-grant-access:missing": { before: (w) => removeAccess(w, principalOf(w)) },
    "check-key-state:disabled": { before: incident("key-disabled") },
    "check-key-state:expired": { before: incident("key-expired") },
    "enable-key:stale": restoreModel.realize["enable-key:stale"] as Realization,
    "verify-enable-key:unusable": restoreModel.realize["verify-enable-key:unusable"] as Realization,
    "extend-key:stale": restoreModel.realize["extend-key:stale"] as Realization,
    "verify-extend-key:unusable": restoreModel.realize["verify-extend-key:unusable"] as Realization,
    // The vault firewall shuts out trusted services: the key is fine, but the group cannot reach it.
    "verify-container-group:unusable": { before: incident("firewall-403") },
  },
  unrealizable: { "check-access:not-cmk": GROUP_NOT_CMK },
};

export const MODELS: PathModel[] = [
  keyDeletedModel,
  identityRemovedModel,
  firewall403Model,
  revokeModel,
  restoreModel,
  rotateModel,
  keyDeletedGroupModel,
  restoreGroupModel,
];
