// Actors of the rotate runbook: automatic rotation (versionless key id) is picked up by the registry within an hour;
// manual rotation (versioned key id) needs rotate-key to the new version. Back up afterwards.
// Source: https://learn.microsoft.com/en-us/azure/container-registry/tutorial-rotate-revoke-customer-managed-keys
import { AZ, fillAz } from "../az.js";
import { StaleApprovalError } from "../step-errors.js";
import { keyIdFor, parseKeyIdentifier } from "../facts.js";
import { fingerprint } from "../fingerprint.js";
import type { ChangePlan, StepFn, StepInput } from "../steps.js";
import { encryptionIdentityLabel } from "./identity.js";
import { backupKey, backupPlan, verifyBackup } from "./key-backup.js";
import { call } from "./port-calls.js";
import { latestKey as latest, readCmkRegistry, readRegistry, rotateRegistryToPlan } from "./registry.js";

const checkRotationMode: StepFn = async (azure, input, signal) => {
  const read = await readCmkRegistry(azure, input, signal, { reason: "nothing to rotate" });
  if ("ended" in read) return read.ended;
  const { registry, facts, key } = read;
  const mode = key.version ? "manual" : "automatic";
  const f = { ...input.facts, ...facts, rotationMode: mode } as const;
  const current = await latest(azure, { ...input, facts: f }, signal);
  return {
    outcome: mode,
    facts: { ...facts, rotationMode: mode },
    evidence: [
      mode === "automatic"
        ? `Key id ${registry.encryption.keyIdentifier} has no version: the registry follows new versions by itself (within an hour)`
        : `Key id ${registry.encryption.keyIdentifier} is pinned to version ${key.version}: the registry needs rotate-key`,
      `Newest key version: ${current.version}; in use: ${registry.encryption.versionedKeyIdentifier ?? "unknown"}`,
    ],
    plans: [
      {
        stepId: "create-key-version",
        title: `Create a new version of key ${key.name} in ${key.vaultName}`,
        resource: keyIdFor(key.vaultUrl, key.name),
        before: `newest version ${current.version}`,
        after: "a new RSA 2048 version becomes the newest",
        az: fillAz(AZ.createKeyVersion, input.target, f),
        risk: "low",
        irreversible: false,
        fingerprint: fingerprint({ newest: current.version }),
        beforeState: { newestVersion: current.version },
        noUndo:
          "a new key version changes no data by itself and the older versions stay enabled. Never disable the new version while the registry uses it: that cuts the registry off from its data.",
        params: { previousVersion: current.version },
      },
    ],
  };
};

const createKeyVersion: StepFn = async (azure, input, signal) => {
  const previous = String(input.plan?.params?.previousVersion);
  const current = await latest(azure, input, signal);
  if (current.version !== previous) {
    // A newer version exists (created by this run before a crash, or by someone else): the goal is met, adopt it.
    return {
      outcome: "done",
      facts: { newKeyVersion: current.version },
      evidence: [`Already in place: version ${current.version} is newer than ${previous}. Nothing changed.`],
    };
  }
  if (fingerprint({ newest: current.version }) !== input.approvedFingerprint) {
    throw new StaleApprovalError("The key changed since the new version was approved; the approval is void.");
  }
  const created = await azure.createKeyVersion(
    String(input.facts.vaultUrl),
    String(input.facts.keyName),
    { keySize: 2048 },
    call(signal),
  );
  return {
    outcome: "done",
    facts: { newKeyVersion: created.version },
    evidence: [`Created version ${created.version}`],
  };
};

function rotatePlans(
  input: StepInput,
  registryId: string,
  inUse: string | undefined,
): { plan: ChangePlan; versionless: ChangePlan } {
  const vaultUrl = String(input.facts.vaultUrl);
  const name = String(input.facts.keyName);
  const identity = String(input.facts.identity ?? "system");
  const who = encryptionIdentityLabel(input.facts);
  const make = (keyIdentifier: string, label: string): ChangePlan => ({
    stepId: "rotate-key",
    title: `Rotate ${input.target.registry} to ${label}`,
    resource: registryId,
    before: `key ${input.facts.keyIdentifier} (in use ${inUse ?? "?"}), ${who}`,
    after: `key ${keyIdentifier}, same ${who}`,
    az: fillAz(AZ.rotateKey, input.target, { ...input.facts, keyIdentifier }),
    risk: "medium",
    irreversible: false,
    fingerprint: fingerprint({ keyIdentifier: input.facts.keyIdentifier, newVersion: input.facts.newKeyVersion }),
    beforeState: { keyIdentifier: input.facts.keyIdentifier, versionedKeyIdentifier: inUse, identity },
    // Back to the exact key id (and identity) configured before: the previous version stays enabled.
    rollback: fillAz(AZ.rotateKey, input.target, input.facts),
    params: { keyIdentifier, identity },
  });
  return {
    plan: make(keyIdFor(vaultUrl, name, input.facts.newKeyVersion), `version ${input.facts.newKeyVersion}`),
    versionless: make(keyIdFor(vaultUrl, name), "the versionless key id (automatic rotation from now on)"),
  };
}

const verifyNewVersion: StepFn = async (azure, input, signal) => {
  const current = await latest(azure, input, signal);
  if (current.version !== input.facts.newKeyVersion) {
    return {
      outcome: "missing",
      message: `The newest version is ${current.version}, not ${input.facts.newKeyVersion}.`,
    };
  }
  const evidence = [`Version ${current.version} is the newest and ${current.enabled ? "enabled" : "disabled"}`];
  if (input.facts.rotationMode === "automatic") return { outcome: "automatic", evidence };
  const registry = await readRegistry(azure, input, signal);
  const { plan, versionless } = rotatePlans(input, registry.id, registry.encryption.versionedKeyIdentifier);
  return { outcome: "manual", evidence, plans: [plan], candidates: { "rotate-versionless": versionless } };
};

const checkPickup: StepFn = async (azure, input, signal) => {
  const registry = await readRegistry(azure, input, signal);
  const inUse = parseKeyIdentifier(registry.encryption.versionedKeyIdentifier)?.version;
  if (inUse && inUse === input.facts.newKeyVersion) {
    const newest = await latest(azure, input, signal);
    return {
      outcome: "picked-up",
      facts: { versionedKeyIdentifier: registry.encryption.versionedKeyIdentifier },
      evidence: [`The registry uses version ${inUse} since ${registry.encryption.lastKeyRotationTimestamp ?? "now"}`],
      // The backup holds every version; it is bound to the newest one, which is what a later rotation would change.
      plans: [backupPlan("backup-key", input, input.facts, newest.version)],
    };
  }
  return {
    outcome: "not-yet",
    evidence: [`The registry still uses ${inUse ?? "an unknown version"}; Azure picks up new versions within an hour`],
  };
};

const rotateKey: StepFn = async (azure, input, signal) => {
  const registry = await readRegistry(azure, input, signal);
  const wanted = String(input.plan?.params?.keyIdentifier);
  if (registry.encryption.keyIdentifier?.toLowerCase() === wanted.toLowerCase()) {
    return {
      outcome: "done",
      evidence: ["Already in place: the registry is configured with this key id. Nothing changed."],
    };
  }
  if (registry.encryption.keyIdentifier !== input.facts.keyIdentifier) {
    throw new StaleApprovalError(
      "The registry's key id changed since the rotation was approved; the approval is void.",
    );
  }
  await rotateRegistryToPlan(azure, input, signal);
  return { outcome: "done", evidence: [`rotate-key to ${wanted} accepted`], facts: { keyIdentifier: wanted } };
};

const verifyRotated: StepFn = async (azure, input, signal) => {
  const registry = await readRegistry(azure, input, signal);
  const inUse = parseKeyIdentifier(registry.encryption.versionedKeyIdentifier)?.version;
  if (inUse !== input.facts.newKeyVersion) {
    return {
      outcome: "not-rotated",
      message: `The registry uses version ${inUse ?? "?"}, not ${input.facts.newKeyVersion}.`,
    };
  }
  const newest = await latest(azure, input, signal);
  return {
    outcome: "ok",
    evidence: [`The registry uses version ${inUse} (configured key id ${registry.encryption.keyIdentifier})`],
    plans: [backupPlan("backup-key", input, input.facts, newest.version)],
  };
};

/** The actors of `rotationSteps()` (src/machines/rotate.ts), shared by `rotate` and `restore`. */
export function rotationActors(): Record<string, StepFn> {
  return { checkRotationMode, createKeyVersion, verifyNewVersion, checkPickup, rotateKey, verifyRotated };
}

export function rotateActors(): Record<string, StepFn> {
  return { ...rotationActors(), backupKey, verifyBackup };
}
