// Actors of the firewall-403 runbook: let trusted Azure services through the vault firewall, then reconfigure the key
// and identity (rotate-key with the same values). Key data-plane reads are avoided on purpose: the operator's own
// calls are subject to the same firewall.
// Sources: https://learn.microsoft.com/en-us/azure/container-registry/tutorial-troubleshoot-customer-managed-keys
//   ("Enabling a key vault firewall"),
// https://learn.microsoft.com/en-us/azure/container-registry/tutorial-enable-customer-managed-keys (trusted services)
import type { CmkAzure } from "../../azure/types.js";
import { AZ, fillAz } from "../az.js";
import { StaleApprovalError } from "../step-errors.js";
import { fingerprint } from "../fingerprint.js";
import type { RunbookActorOptions } from "../protocol.js";
import type { StepFn, StepInput } from "../steps.js";
import { guardedChangeFn } from "./guarded-change.js";
import { encryptionIdentityLabel } from "./identity.js";
import { call, isFailure } from "./port-calls.js";
import { dataPlane, readRegistry, registryFacts, rotateRegistryToPlan } from "./registry.js";
import { vaultFacts } from "./vault.js";
import { wallClock } from "./wall-clock.js";

async function networkView(azure: CmkAzure, input: StepInput, signal: AbortSignal) {
  const registry = await readRegistry(azure, input, signal);
  const { facts, key } = registryFacts(registry);
  const vault = key ? await azure.findVaultByName(key.vaultName, call(signal)) : null;
  return { registry, facts, vault };
}
const aclFingerprint = (view: Awaited<ReturnType<typeof networkView>>) =>
  fingerprint({
    acls: view.vault
      ? {
          d: view.vault.networkAcls.defaultAction,
          b: view.vault.networkAcls.bypass,
          ip: view.vault.networkAcls.ipRules,
          vnet: view.vault.networkAcls.virtualNetworkRules,
        }
      : null,
  });
const blocks = (view: Awaited<ReturnType<typeof networkView>>) =>
  !!view.vault && view.vault.networkAcls.defaultAction === "Deny" && view.vault.networkAcls.bypass !== "AzureServices";

function reconfigurePlan(input: StepInput, view: Awaited<ReturnType<typeof networkView>>) {
  const enc = view.registry.encryption;
  const facts = { ...input.facts, ...view.facts };
  const who = encryptionIdentityLabel(facts);
  return {
    stepId: "reconfigure-key",
    title: `Reconfigure ${view.registry.name}'s key and identity (rotate-key with the same values)`,
    resource: view.registry.id,
    before: `key ${enc.keyIdentifier}, ${who}; registry data plane refuses`,
    after: `key ${enc.keyIdentifier}, same ${who}; the registry re-validates access through the firewall`,
    az: fillAz(AZ.rotateKey, input.target, facts),
    risk: "medium" as const,
    irreversible: false,
    fingerprint: fingerprint({ key: enc.keyIdentifier, identity: enc.identity, acls: aclFingerprint(view) }),
    beforeState: { encryption: enc },
    params: { keyIdentifier: enc.keyIdentifier, identity: enc.identity },
  };
}

const escalation = (input: StepInput, detail: string) => ({
  summary: `The registry still cannot reach its key through the vault firewall: ${detail}. The documented fixes are applied; per the Azure docs, contact Azure Support.`,
  nextSteps: [
    "Open an Azure support request (service: Container Registry) with the registry id, the vault's network settings and this run's log.",
    `Check for private endpoints or IP rules that replace trusted-service access: ${fillAz(AZ.showNetwork, input.target, input.facts)}`,
  ],
});

const checkNetwork: StepFn = async (azure, input, signal) => {
  const view = await networkView(azure, input, signal);
  if (!view.vault) {
    return {
      outcome: "vault-missing",
      facts: view.facts,
      final: {
        summary: `The key vault ${view.facts.vaultName ?? "(none configured)"} was not found: this is not a firewall problem.`,
        nextSteps: [`Run: ${input.invocation} recover -g ${input.target.resourceGroup} -r ${input.target.registry}`],
      },
    };
  }
  const facts = { ...view.facts, ...vaultFacts(view.vault) };
  const acls = view.vault.networkAcls;
  const evidence = [`Vault ${view.vault.name} network: defaultAction ${acls.defaultAction}, bypass ${acls.bypass}`];
  if (blocks(view)) {
    const f = { ...input.facts, ...facts };
    return {
      outcome: "blocked",
      facts,
      evidence: [...evidence, "Trusted Azure services (the registry) are not allowed through the firewall"],
      plans: [
        {
          stepId: "allow-trusted-services",
          title: `Allow trusted Azure services through ${view.vault.name}'s firewall`,
          resource: view.vault.id,
          before: `defaultAction ${acls.defaultAction}, bypass ${acls.bypass}`,
          after: `defaultAction ${acls.defaultAction}, bypass AzureServices`,
          az: fillAz(AZ.allowTrustedServices, input.target, f),
          risk: "medium",
          irreversible: false,
          fingerprint: aclFingerprint(view),
          beforeState: { networkAcls: acls },
          // Undoing it (--bypass ${acls.bypass}) is the incident itself, so a recovery offers no such command.
          noUndo: `letting trusted Azure services through ${view.vault.name}'s firewall is the fix; setting bypass back to ${acls.bypass} would only block the registry from its key again.`,
        },
      ],
    };
  }
  const plane = await dataPlane(azure, view.registry, signal);
  if (plane.ok)
    return {
      outcome: "not-blocked",
      facts,
      evidence: [...evidence, plane.text],
      final: {
        summary: "The vault firewall lets the registry in and the registry reads its content: nothing to fix.",
        nextSteps: [],
      },
    };
  return {
    outcome: "stale-after-firewall",
    facts,
    evidence: [...evidence, plane.text],
    plans: [reconfigurePlan(input, view)],
  };
};

const allowTrustedServices: StepFn = guardedChangeFn({
  read: networkView,
  fingerprintOf: aclFingerprint,
  done: (view) => !blocks(view),
  describeDone: "the firewall already lets trusted Azure services in",
  apply: async (azure, _input, view, signal) => {
    const vault = view.vault;
    if (!vault) throw Object.assign(new Error("the key vault disappeared"), { kind: "not-found" });
    await azure.updateVaultNetworkAcls(
      { resourceGroup: vault.resourceGroup, name: vault.name },
      { bypass: "AzureServices" },
      call(signal),
    );
    return { evidence: [`Vault ${vault.name} now allows trusted Azure services`] };
  },
});

const verifyTrustedServices: StepFn = async (azure, input, signal) => {
  const view = await networkView(azure, input, signal);
  return blocks(view)
    ? { outcome: "still-blocked", message: "The vault firewall still does not allow trusted Azure services." }
    : { outcome: "ok", evidence: [`Vault bypass: ${view.vault?.networkAcls.bypass}`] };
};

const checkRegistryAccess: StepFn = async (azure, input, signal) => {
  const view = await networkView(azure, input, signal);
  const plane = await dataPlane(azure, view.registry, signal);
  if (plane.ok) return { outcome: "ok", evidence: [plane.text] };
  return { outcome: "refused", evidence: [plane.text], plans: [reconfigurePlan(input, view)] };
};

const reconfigureKey: StepFn = async (azure, input, signal) => {
  const view = await networkView(azure, input, signal);
  const plane = await dataPlane(azure, view.registry, signal);
  if (plane.ok)
    return { outcome: "done", evidence: ["Already in place: the registry reads its content. Nothing changed."] };
  const expected = reconfigurePlan(input, view).fingerprint;
  if (expected !== input.approvedFingerprint) {
    throw new StaleApprovalError(
      "The registry's key, identity or the vault firewall changed since the approval; the approval is void.",
    );
  }
  const params = await rotateRegistryToPlan(azure, input, signal);
  return {
    outcome: "done",
    evidence: [
      `rotate-key with key ${params.keyIdentifier} and ${encryptionIdentityLabel(input.facts)} accepted (same values as before: nothing to undo)`,
    ],
  };
};

/** `now`: the clock Azure's state follows, for judging the key's expiry. */
const verifyRegistryWith =
  (now: () => Date): StepFn =>
  async (azure, input, signal) => {
    const registry = await readRegistry(azure, input, signal);
    const plane = await dataPlane(azure, registry, signal);
    if (plane.ok) return { outcome: "ok", evidence: [plane.text] };
    // Before sending anyone to Azure Support, rule out the key itself: the other reason a registry cannot read it.
    const key = await keyVerdict(azure, registry, input, signal, now);
    return {
      outcome: "still-blocked",
      evidence: [plane.text, key.evidence],
      final: key.final ?? escalation(input, plane.text),
    };
  };

/**
 * What acr-cmk can tell about the key from where it runs: its own read goes through the same firewall, so it may see
 * nothing (and says how to look), or a key that is gone, disabled or expired (another runbook's fix, not Support's).
 */
async function keyVerdict(
  azure: CmkAzure,
  registry: Awaited<ReturnType<typeof readRegistry>>,
  input: StepInput,
  signal: AbortSignal,
  now: () => Date,
): Promise<{ evidence: string; final?: { summary: string; nextSteps: string[] } }> {
  const { facts, key } = registryFacts(registry);
  if (!key) return { evidence: "The registry names no key." };
  const all = { ...input.facts, ...facts };
  const show = fillAz(AZ.showKey, input.target, all);
  const recover = `${input.invocation} recover -g ${input.target.resourceGroup} -r ${input.target.registry}`;
  try {
    const found = await azure.getKey(key.vaultUrl, key.name, key.version, call(signal));
    const expired = !!found.expiresOn && Date.parse(found.expiresOn) <= now().getTime();
    if (found.enabled && !expired)
      return { evidence: `Key ${found.name} version ${found.version} is enabled and valid` };
    const state = found.enabled ? `expired on ${found.expiresOn}` : "disabled";
    return {
      evidence: `Key ${found.name} version ${found.version} is ${state}`,
      final: {
        summary: `The vault firewall now lets the registry through, but key ${found.name} version ${found.version} is ${state}: the registry cannot use it. That is the restore runbook's fix, not Azure Support's.`,
        nextSteps: [`Run: ${recover} (or ${input.invocation} restore with the same -g and -r)`],
      },
    };
  } catch (error) {
    if (isFailure(error, "key-not-found")) {
      return {
        evidence: `Key ${key.name} is not in vault ${key.vaultName} (deleted?)`,
        final: {
          summary: `The vault firewall now lets the registry through, but key ${key.name} is not in vault ${key.vaultName}: it was deleted. That is the key-deleted runbook's fix.`,
          nextSteps: [`Run: ${recover}`],
        },
      };
    }
    if (!isFailure(error, "forbidden-by-firewall")) throw error;
    return {
      evidence: `acr-cmk cannot read key ${key.name} itself: the vault firewall blocks this network too (403 ForbiddenByFirewall)`,
      final: {
        ...escalation(input, "acr-cmk could not check the key itself, because the firewall blocks its network as well"),
        nextSteps: [
          `First rule out the key: from a network the vault allows, check it is live, enabled and not expired (${show}), then run ${recover} from there.`,
          ...escalation(input, "").nextSteps,
        ],
      },
    };
  }
}

export function firewall403Actors(options: RunbookActorOptions = {}): Record<string, StepFn> {
  return {
    checkNetwork,
    allowTrustedServices,
    verifyTrustedServices,
    checkRegistryAccess,
    reconfigureKey,
    verifyRegistry: verifyRegistryWith(options.now ?? wallClock.now),
  };
}
