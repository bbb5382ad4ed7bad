// Actors of the key-deleted runbook: find whether the vault or the key is gone, recover what soft delete kept
// (deleted-vault.ts, deleted-key.ts), re-grant the access a recovered vault lost, prove the registry reads its key
// again, and recommend a backup and purge protection (purge-protection.ts). Nothing here purges.
import { cliRunCommand } from "../../runbooks/catalogue.js";
import { AZ, fillAz } from "../az.js";
import type { RunbookActorOptions } from "../protocol.js";
import type { StepFn } from "../steps.js";
import { accessOutcome, grantAccess, readAccess, verifyAccess } from "./access.js";
import { checkKeyWith, recoverKey, verifyKey } from "./deleted-key.js";
import { checkVault, recoverVault, verifyVault } from "./deleted-vault.js";
import { encryptionIdentity, identityFacts, identityLabel } from "./identity.js";
import { checkPurgeProtection, enablePurgeProtection, verifyPurgeProtection } from "./purge-protection.js";
import { latestKey, readRegistry, verifyRegistryReads } from "./registry.js";
import { requireVault, vaultFacts } from "./vault.js";
import { isContainerGroupTarget, targetArgs, theTarget } from "../target.js";
import { redeployAdvice } from "./container-group.js";

/** A recovered vault keeps its access policies but not its RBAC role assignments: check the identity's access. */
const checkAccess: StepFn = async (azure, input, signal) => {
  const registry = await readRegistry(azure, input, signal);
  const identity = await encryptionIdentity(azure, registry, signal);
  const label = identityLabel(identity);
  if (!identity.principalId) {
    return {
      outcome: "identity-missing",
      facts: identityFacts(identity),
      final: isContainerGroupTarget(input.target)
        ? {
            summary: `The container group's encryption identity, ${label}, no longer exists. A group's identity is fixed when it is deployed: redeploy it with an identity that exists and may use the key.`,
            nextSteps: [`Run: ${redeployAdvice(input)}`],
          }
        : {
            summary: `The registry's encryption identity, ${label}, no longer exists or is not assigned, so its key access cannot be checked.`,
            nextSteps: [`Run: ${input.invocation} ${cliRunCommand("identity-removed")} ${targetArgs(input.target)}`],
          },
    };
  }
  const vault = await requireVault(azure, input.facts, signal);
  const access = await readAccess(azure, vault, identity.principalId, signal);
  const lost = vault.enableRbacAuthorization
    ? "vault's deletion (role assignments do not come back with a recovered vault)"
    : "incident";
  return accessOutcome(input, { ...identityFacts(identity), ...vaultFacts(vault) }, vault, access, label, {
    recovery: `this puts back the key access ${theTarget(input.target)}'s identity lost with the ${lost}; removing it again would only cut ${theTarget(input.target)} off from its key.`,
  });
};

/** The registry reads its content, and the recovered key answers too. */
const verifyRegistry: StepFn = async (azure, input, signal) => {
  const registry = await verifyRegistryReads(azure, input, signal);
  if (registry.outcome !== "ok") return registry;
  const key = await latestKey(azure, input, signal);
  return {
    outcome: "ok",
    evidence: [...(registry.evidence ?? []), `Key ${key.name} readable (version ${key.version})`],
  };
};

const recommendBackup: StepFn = async (azure, input, signal) => {
  const key = await latestKey(azure, input, signal);
  return {
    outcome: "noted",
    evidence: [
      `Keep a backup of key ${key.name} (newest version ${key.version}) outside the vault, so a purge can never cost ${theTarget(input.target)} its data: ${fillAz(AZ.backupKey, input.target, input.facts)}`,
      `Restore with: ${fillAz(AZ.restoreKeyBackup, input.target, input.facts)}`,
    ],
  };
};

export function keyDeletedActors(options: RunbookActorOptions = {}): Record<string, StepFn> {
  return {
    checkVault,
    recoverVault,
    verifyVault,
    checkKey: checkKeyWith(options),
    recoverKey,
    verifyKey,
    checkAccess,
    grantAccess,
    verifyAccess,
    verifyRegistry,
    recommendBackup,
    checkPurgeProtection,
    enablePurgeProtection,
    verifyPurgeProtection,
  };
}
