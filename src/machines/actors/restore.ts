// Actors of the restore runbook: give the registry back the documented minimum access (get, wrapKey, unwrapKey, or
// the Crypto Service Encryption User role), re-enable a disabled key version, extend an expired one (or, when Key
// Vault refuses, replace it with rotate's actors); verify. Expiry is judged by the clock Azure's state follows.
import { withBlastRadius } from "./blast-radius.js";
import { AZ, fillAz } from "../az.js";
import { RefusedChangeError } from "../step-errors.js";
import { fingerprint } from "../fingerprint.js";
import type { RunbookActorOptions } from "../protocol.js";
import type { StepFn, StepInput } from "../steps.js";
import { rotationActors } from "./rotate.js";
import { accessOutcome, grantAccess, readAccess, verifyAccess } from "./access.js";
import { guardedChangeFn } from "./guarded-change.js";
import { encryptionIdentity, identityFacts, identityLabel } from "./identity.js";
import { call, isFailure } from "./port-calls.js";
import { keyInUse, readCmkRegistry, verifyRegistryReads } from "./registry.js";
import { vaultFacts } from "./vault.js";
import { wallClock } from "./wall-clock.js";
import { isContainerGroupTarget, targetArgs, theTarget } from "../target.js";
import { redeployAdvice } from "./container-group.js";

const YEAR_MS = 365 * 24 * 3600 * 1000;

/** Key Vault's answers that mean "not this change" rather than "try again": the run offers a new version instead. */
const REFUSALS = ["bad-request", "forbidden-by-policy", "forbidden-by-rbac"];

const checkAccess: StepFn = async (azure, input, signal) => {
  const read = await readCmkRegistry(azure, input, signal, { reason: "nothing to restore" });
  if ("ended" in read) return read.ended;
  const { registry, facts, key } = read;
  const other = (summary: string, runbook: string) => ({
    outcome: "other-runbook",
    facts,
    final: {
      summary,
      nextSteps: [`Run: ${input.invocation} run ${runbook} ${targetArgs(input.target)}`],
    },
  });
  const vault = await azure.findVaultByName(key.vaultName, call(signal));
  if (!vault) return other(`Key vault ${key.vaultName} is gone: that is the key-deleted runbook's job.`, "key-deleted");
  let unread: string[] = [];
  try {
    await azure.getKey(key.vaultUrl, key.name, undefined, call(signal));
  } catch (error) {
    if (isFailure(error, "key-not-found"))
      return other(`Key ${key.name} is gone: that is the key-deleted runbook's job.`, "key-deleted");
    // Access is granted through Resource Manager, which the vault firewall does not guard: go on, and say so.
    if (!isFailure(error, "forbidden-by-firewall")) throw error;
    unread = [firewallNote(key.vaultName, input.target)];
  }
  const identity = await encryptionIdentity(azure, registry, signal);
  const label = identityLabel(identity);
  if (isContainerGroupTarget(input.target) && !identity.principalId)
    return {
      outcome: "other-runbook",
      facts,
      final: {
        summary: `The container group's encryption ${label} no longer exists. A group's identity is fixed when it is deployed: redeploy it with an identity that exists and may use the key.`,
        nextSteps: [`Run: ${redeployAdvice(input)}`],
      },
    };
  if (!identity.assigned || !identity.principalId)
    return other(`The encryption ${label} is not assigned to ${theTarget(input.target)}.`, "identity-removed");
  const all = { ...facts, ...vaultFacts(vault), ...identityFacts(identity) };
  const access = await readAccess(azure, vault, identity.principalId, signal);
  const outcome = accessOutcome(input, all, vault, access, label);
  return unread.length ? { ...outcome, evidence: [...unread, ...(outcome.evidence ?? [])] } : outcome;
};

/**
 * acr-cmk's own reads of the key go through the vault's firewall (the registry's or container group's go through
 * trusted-service access).
 */
function firewallNote(vaultName: string, target: StepInput["target"]): string {
  return (
    `The firewall of vault ${vaultName} does not let acr-cmk read the key from this network (403 ForbiddenByFirewall); ` +
    `the key's state is not checked here, and the check of ${theTarget(target)}'s own read below decides. To check it yourself, run acr-cmk ` +
    "from a network the vault allows, or add your address: az keyvault network-rule add --name " +
    `${vaultName} --ip-address <your-ip>`
  );
}

const keyPrint = (key: { version: string; enabled: boolean; expiresOn?: string }) =>
  fingerprint({ version: key.version, enabled: key.enabled, expiresOn: key.expiresOn ?? null });

/** The steps that judge expiry, against `now`: the clock Azure's state follows (the sandbox's, in sandbox mode). */
function keyStateActors(now: () => Date): Record<string, StepFn> {
  const isExpired = (key: { expiresOn?: string }) => !!key.expiresOn && Date.parse(key.expiresOn) <= now().getTime();

  const checkKeyState: StepFn = async (azure, input, signal) => {
    let key;
    try {
      key = await keyInUse(azure, input, signal);
    } catch (error) {
      if (!isFailure(error, "forbidden-by-firewall")) throw error;
      // Nothing to change that acr-cmk can see: the registry's verification (through trusted-service access) decides.
      return {
        outcome: "usable",
        evidence: [firewallNote(String(input.facts.vaultName ?? "of the key"), input.target)],
      };
    }
    const f = { ...input.facts, keyVersion: key.version };
    if (!key.enabled) {
      return {
        outcome: "disabled",
        facts: { keyVersion: key.version },
        evidence: [`Key ${key.name} version ${key.version} is disabled`],
        plans: [
          {
            stepId: "enable-key",
            title: `Re-enable version ${key.version} of key ${key.name}`,
            resource: key.id,
            before: "key version disabled",
            after: "key version enabled",
            az: fillAz(AZ.enableKeyVersion, input.target, f),
            risk: "medium",
            irreversible: false,
            fingerprint: keyPrint(key),
            beforeState: { keyId: key.id, enabled: false },
            noUndo: `re-enabling version ${key.version} of key ${key.name} gives ${theTarget(input.target)} its key back; disabling it again would only cut ${theTarget(input.target)} off from its content.`,
            params: { version: key.version },
          },
        ],
      };
    }
    if (isExpired(key)) {
      const expires = new Date(now().getTime() + YEAR_MS).toISOString();
      return {
        outcome: "expired",
        facts: { keyVersion: key.version },
        evidence: [`Key ${key.name} version ${key.version} expired on ${key.expiresOn}: rotation and new writes fail`],
        plans: [
          {
            stepId: "extend-key",
            title: `Extend the expiry of key ${key.name} version ${key.version} by one year`,
            resource: key.id,
            before: `expires ${key.expiresOn}`,
            after: `expires ${expires}`,
            az: fillAz(AZ.extendKey, input.target, f, { expires }),
            risk: "medium",
            irreversible: false,
            fingerprint: keyPrint(key),
            beforeState: { keyId: key.id, expiresOn: key.expiresOn },
            noUndo: `extending key ${key.name}'s expiry lets ${theTarget(input.target)} use it again; setting the old expiry back would only make it expired again.`,
            params: { version: key.version, expiresOn: expires },
          },
        ],
      };
    }
    return {
      outcome: "usable",
      facts: { keyVersion: key.version },
      evidence: [`Key ${key.name} version ${key.version} is enabled and not expired`],
    };
  };

  const extendKey: StepFn = guardedChangeFn({
    read: keyInUse,
    fingerprintOf: keyPrint,
    done: (key) => !isExpired(key),
    describeDone: "the key version is not expired",
    apply: async (azure, input, key, signal) => {
      const expiresOn = String(input.plan?.params?.expiresOn);
      try {
        await azure.updateKey(key.vaultUrl, key.name, key.version, { expiresOn }, call(signal));
      } catch (error) {
        if (isFailure(error, ...REFUSALS)) {
          const { kind, details } = error as { kind: string; details?: { requestId?: string } };
          const instead = isContainerGroupTarget(input.target)
            ? `A container group reads only the version it was deployed with: RETRY once Key Vault allows the extension, or redeploy the group with a new key version (${redeployAdvice(input)}).`
            : "The run can create a new key version and move the registry to it instead.";
          throw new RefusedChangeError(
            `Key Vault refused to extend key ${key.name} version ${key.version} (${kind}: ${(error as Error).message}). Nothing changed. ${instead}`,
            details?.requestId,
          );
        }
        throw error;
      }
      return { evidence: [`Key ${key.name} version ${key.version} now expires ${expiresOn}`] };
    },
  });

  /**
   * Verifies what the change did (enabled, or no longer expired); the key-state check it returns to finds whatever
   * else is wrong with the version (a disabled key that has also expired is enabled first, then extended).
   */
  const verifyKeyUsable: StepFn = async (azure, input, signal) => {
    const key = await keyInUse(azure, input, signal);
    const changed = input.plan?.stepId;
    if (changed !== "extend-key" && !key.enabled)
      return { outcome: "unusable", message: `Key version ${key.version} still reads as disabled.` };
    if (changed !== "enable-key" && isExpired(key))
      return { outcome: "unusable", message: `Key version ${key.version} still reads as expired (${key.expiresOn}).` };
    return {
      outcome: "ok",
      evidence: [`Key version ${key.version} enabled${key.expiresOn ? `, expires ${key.expiresOn}` : ""}`],
    };
  };

  // Re-enabling or extending a shared key version gives it back to every resource reading it: the approval says who.
  return { checkKeyState: withBlastRadius(checkKeyState, "changes"), extendKey, verifyKeyUsable };
}

const enableKey: StepFn = guardedChangeFn({
  read: keyInUse,
  fingerprintOf: keyPrint,
  done: (key) => key.enabled,
  describeDone: "the key version is enabled",
  apply: async (azure, input, key, signal) => {
    await azure.updateKey(key.vaultUrl, key.name, key.version, { enabled: true }, call(signal));
    return { evidence: [`Key ${key.name} version ${key.version} enabled`] };
  },
});

export function restoreActors(options: RunbookActorOptions = {}): Record<string, StepFn> {
  return {
    checkAccess,
    grantAccess,
    verifyAccess,
    ...keyStateActors(options.now ?? wallClock.now),
    enableKey,
    verifyRegistry: verifyRegistryReads,
    // An expired key Key Vault will not extend is replaced exactly as `rotate` does it.
    ...rotationActors(),
  };
}
