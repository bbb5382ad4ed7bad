// key-deleted, the aftercare: purge protection makes a deleted key recoverable for the whole retention period. Turning
// it on cannot be undone, so the run offers it, and a person chooses and approves.
import { AZ, fillAz } from "../az.js";
import { fingerprint } from "../fingerprint.js";
import type { StepFn } from "../steps.js";
import { guardedChangeFn } from "./guarded-change.js";
import { call } from "./port-calls.js";
import { requireVault, vaultFacts } from "./vault.js";

export const checkPurgeProtection: StepFn = async (azure, input, signal) => {
  const vault = await requireVault(azure, input.facts, signal);
  if (vault.enablePurgeProtection)
    return { outcome: "on", facts: vaultFacts(vault), evidence: [`Purge protection is on for ${vault.name}`] };
  return {
    outcome: "off",
    facts: vaultFacts(vault),
    evidence: [`Purge protection is OFF for ${vault.name}: a deleted key could be purged before anyone notices`],
    plans: [
      {
        stepId: "enable-purge-protection",
        title: `Enable purge protection on ${vault.name}`,
        resource: vault.id,
        before: "purge protection off",
        after: "purge protection on (cannot be turned off again)",
        az: fillAz(AZ.enablePurgeProtection, input.target, { ...input.facts, ...vaultFacts(vault) }),
        risk: "medium",
        irreversible: true,
        fingerprint: fingerprint({ vault: vault.id, purgeProtection: false }),
        beforeState: { enablePurgeProtection: false },
      },
    ],
    input: {
      stepId: "offer-purge-protection",
      prompt: `Purge protection is off on ${vault.name}. Enable it now? It cannot be turned off again.`,
      options: [
        { id: "enable", label: "Enable purge protection now (irreversible, needs approval)" },
        { id: "later", label: "Not now: finish the run and recommend it" },
      ],
      defaultOption: "later",
    },
  };
};

export const enablePurgeProtection: StepFn = guardedChangeFn({
  read: (azure, input, signal) => requireVault(azure, input.facts, signal),
  fingerprintOf: (vault) => fingerprint({ vault: vault.id, purgeProtection: vault.enablePurgeProtection }),
  done: (vault) => vault.enablePurgeProtection,
  describeDone: "purge protection is on",
  apply: async (azure, _input, vault, signal) => {
    await azure.enableVaultPurgeProtection({ resourceGroup: vault.resourceGroup, name: vault.name }, call(signal));
    return { evidence: [`Purge protection enabled on ${vault.name}`] };
  },
});

export const verifyPurgeProtection: StepFn = async (azure, input, signal) => {
  const vault = await requireVault(azure, input.facts, signal);
  return vault.enablePurgeProtection
    ? { outcome: "ok", evidence: [`Purge protection is on for ${vault.name}`] }
    : { outcome: "off", message: `Purge protection still reads as off on ${vault.name}.` };
};
