// A key backup: planned as a low-risk change, taken through Key Vault's backup call, verified. The blob itself never
// enters logs, snapshots or evidence: only its size and digest.
import { fillAz, AZ } from "../az.js";
import type { RunFacts } from "../facts.js";
import { digestBytes, fingerprint } from "../fingerprint.js";
import { StaleApprovalError } from "../step-errors.js";
import type { ChangePlan, StepFn, StepInput } from "../steps.js";
import { call } from "./port-calls.js";
import { latestKey } from "./registry.js";

/** The backup plan: low risk, nothing changes in Azure, the blob never enters logs or snapshots. */
export function backupPlan(stepId: string, input: StepInput, facts: RunFacts, keyVersion: string): ChangePlan {
  return {
    stepId,
    title: `Back up key ${facts.keyName} from ${facts.vaultName}`,
    resource: `${facts.vaultUrl}keys/${facts.keyName}`,
    before: `current version ${keyVersion}`,
    after: "a protected backup blob exists (size and digest recorded; the blob itself is not kept by acr-cmk)",
    az: fillAz(AZ.backupKey, input.target, facts),
    risk: "low",
    irreversible: false,
    fingerprint: fingerprint({ key: facts.keyName, version: keyVersion }),
    beforeState: { keyVersion },
  };
}

export const backupKey: StepFn = async (azure, input, signal) => {
  const { vaultUrl, keyName } = input.facts;
  if (!vaultUrl || !keyName) throw new Error("no key known to back up");
  const key = await azure.getKey(vaultUrl, keyName, undefined, call(signal));
  const expected = (input.plan?.beforeState as { keyVersion?: string } | undefined)?.keyVersion;
  if (expected && key.version !== expected) {
    throw new StaleApprovalError(
      `Key ${keyName} has a newer version (${key.version}) than the one approved for backup; the approval is void.`,
    );
  }
  const blob = await azure.backupKey(vaultUrl, keyName, call(signal));
  return {
    outcome: "done",
    evidence: [
      `Backup of ${blob.byteLength} bytes, digest ${digestBytes(blob)} (the blob is not stored by acr-cmk).`,
      `Keep a copy where your team stores secrets: ${fillAz(AZ.backupKey, input.target, input.facts)}`,
      `Restore it later with: ${fillAz(AZ.restoreKeyBackup, input.target, input.facts)}`,
    ],
  };
};

export const verifyBackup: StepFn = async (azure, input, signal) => {
  const key = await latestKey(azure, input, signal);
  return {
    outcome: "ok",
    evidence: [`Key ${key.name} is intact (version ${key.version}, ${key.enabled ? "enabled" : "disabled"})`],
  };
};
