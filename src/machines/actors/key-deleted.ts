// Actors of the key-deleted runbook: find whether the vault or the key is gone, recover what soft delete kept,
// re-grant the access a recovered vault lost, and prove the registry reads its key again. Nothing here purges.
import type { CmkAzure, DeletedVaultInfo } from "../../azure/types.js";
import { AZ, fillAz } from "../az.js";
import { resourceGroupOf } from "../facts.js";
import { fingerprint } from "../fingerprint.js";
import type { RunbookActorOptions } from "../protocol.js";
import type { StepFn, StepInput, StepOutput } from "../steps.js";
import {
  accessOutcome,
  call,
  encryptionIdentity,
  grantAccess,
  guardedChangeFn,
  identityFacts,
  identityLabel,
  isFailure,
  latestKey,
  readAccess,
  readCmkRegistry,
  readRegistry,
  requireVault,
  vaultFacts,
  verifyAccess,
  verifyRegistryReads,
} from "./common.js";

/** Against Azure: a key's deleted record can take seconds to appear after its DELETE (research §3.1). */
export const DEFAULT_MISSING_KEY_LOOK = { everyMs: 2_000, forMs: 30_000 };
const DAY_MS = 86_400_000;

/** Waits `ms` unless the run is stopped first (then rejects with the signal's reason, as the SDK calls do). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/** "after 3 s (16 looks)" out of the check's evidence line, for the run's summary. */
const lookedFor = (checked: string) => checked.match(/after .*$/)?.[0] ?? "after looking again";

const unrecoverable = (what: string, input: StepInput, name: string, finding = `was purged`) => ({
  summary: `The ${what} '${name}' ${finding}. Registry ${input.target.registry}'s content is encrypted with that key and cannot be decrypted by anyone: the data is lost unless a backup of the key exists.`,
  nextSteps: [
    "Open an Azure support request (severity A) quoting the registry id and the purged key id; Microsoft can confirm the purge but cannot bring the key back.",
    `If a key backup exists: ${fillAz(AZ.restoreKeyBackup, input.target, input.facts)} (into a vault in the same subscription and geography), then run acr-cmk recover again.`,
    "Otherwise rebuild the registry: create a new registry (with CMK and purge protection on) and push the images again from their source (CI pipelines, upstream registries).",
  ],
});

async function deletedVaultView(azure: CmkAzure, input: StepInput, signal: AbortSignal) {
  const name = String(input.facts.vaultName);
  const live = await azure.findVaultByName(name, call(signal));
  const deleted: DeletedVaultInfo | null = live ? null : await azure.findDeletedVault(name, call(signal));
  return { live: live !== null, deleted };
}
const vaultFingerprint = (view: { live: boolean; deleted: DeletedVaultInfo | null }) =>
  fingerprint({
    live: view.live,
    deleted: view.deleted ? { id: view.deleted.id, deletionDate: view.deleted.deletionDate } : null,
  });

const checkVault: StepFn = async (azure, input, signal) => {
  const read = await readCmkRegistry(azure, input, signal, {
    reason: "this runbook does not apply",
    nextSteps: [`acr-cmk diagnose -g ${input.target.resourceGroup} -r ${input.target.registry}`],
  });
  if ("ended" in read) return read.ended;
  const { facts, key } = read;
  const f = { ...input.facts, ...facts };
  const view = await deletedVaultView(azure, { ...input, facts: f }, signal);
  if (view.live) {
    const vault = await requireVault(azure, { vaultName: key.vaultName }, signal);
    return {
      outcome: "vault-present",
      facts: { ...facts, ...vaultFacts(vault) },
      evidence: [`Vault ${vault.name} exists`],
    };
  }
  if (!view.deleted) {
    return {
      outcome: "vault-purged",
      facts,
      evidence: [`Vault ${key.vaultName} is neither live nor soft-deleted`],
      final: unrecoverable("key vault", { ...input, facts: f }, key.vaultName),
    };
  }
  const d = view.deleted;
  const vf = { ...f, vaultResourceGroup: resourceGroupOf(d.vaultId), vaultLocation: d.location, vaultId: d.vaultId };
  return {
    outcome: "vault-soft-deleted",
    facts: { ...facts, vaultResourceGroup: vf.vaultResourceGroup, vaultLocation: d.location, vaultId: d.vaultId },
    evidence: [
      `Vault ${d.name} was deleted ${d.deletionDate ?? "recently"}; purge scheduled ${d.scheduledPurgeDate ?? "unknown"}`,
    ],
    plans: [
      {
        stepId: "recover-vault",
        title: `Recover key vault ${d.name}`,
        resource: d.vaultId,
        before: `soft-deleted on ${d.deletionDate ?? "?"}, purge scheduled ${d.scheduledPurgeDate ?? "?"}`,
        after: "vault live again with its keys, access policies and settings (RBAC role assignments do not come back)",
        az: fillAz(AZ.recoverVault, input.target, vf),
        risk: "low",
        irreversible: false,
        fingerprint: vaultFingerprint(view),
        beforeState: { deletedVault: d },
        noUndo: `recovering key vault ${d.name} brings back what was deleted; deleting it again would only re-break the registry (and start the purge clock).`,
      },
    ],
  };
};

const recoverVault: StepFn = guardedChangeFn({
  read: deletedVaultView,
  fingerprintOf: vaultFingerprint,
  done: (view) => view.live,
  describeDone: "the vault is live",
  apply: async (azure, input, view, signal) => {
    const d = view.deleted;
    if (!d) throw new Error("no soft-deleted vault to recover");
    const vault = await azure.recoverDeletedVault(
      {
        resourceGroup: resourceGroupOf(d.vaultId) ?? String(input.facts.vaultResourceGroup),
        name: d.name,
        location: d.location,
      },
      call(signal),
    );
    return { evidence: [`Vault ${vault.name} recovered`], facts: vaultFacts(vault) };
  },
});

const verifyVault: StepFn = async (azure, input, signal) => {
  const vault = await azure.findVaultByName(String(input.facts.vaultName), call(signal));
  if (!vault) return { outcome: "missing", message: `Vault ${input.facts.vaultName} is not live yet.` };
  return { outcome: "ok", facts: vaultFacts(vault), evidence: [`Vault ${vault.name} is live (${vault.vaultUri})`] };
};

async function deletedKeyView(azure: CmkAzure, input: StepInput, signal: AbortSignal) {
  const { vaultUrl, keyName } = input.facts;
  try {
    const key = await azure.getKey(String(vaultUrl), String(keyName), undefined, call(signal));
    return {
      live: true,
      version: key.version,
      deletedOn: undefined as string | undefined,
      recoveryId: undefined as string | undefined,
    };
  } catch (error) {
    if (!isFailure(error, "key-not-found", "not-found")) throw error;
  }
  try {
    const deleted = await azure.getDeletedKey(String(vaultUrl), String(keyName), call(signal));
    return {
      live: false,
      version: deleted.version,
      deletedOn: deleted.deletedOn,
      recoveryId: deleted.recoveryId ?? deleted.id,
    };
  } catch (error) {
    if (!isFailure(error, "key-not-found", "not-found")) throw error;
    return { live: false, version: undefined, deletedOn: undefined, recoveryId: undefined };
  }
}
const keyFingerprint = (view: KeyView) =>
  fingerprint({ live: view.live, recoveryId: view.recoveryId ?? null, deletedOn: view.deletedOn ?? null });

type KeyView = Awaited<ReturnType<typeof deletedKeyView>>;
const isMissing = (view: KeyView) => !view.live && !view.recoveryId;

/**
 * Neither live nor soft-deleted is what Key Vault shows for a while after every DELETE, not only after a purge:
 * look again, every `everyMs` for up to `forMs`, before concluding anything.
 */
async function lookUntilSettled(
  azure: CmkAzure,
  input: StepInput,
  signal: AbortSignal,
  look: { everyMs: number; forMs: number },
) {
  const started = Date.now();
  let view = await deletedKeyView(azure, input, signal);
  let looks = 1;
  while (isMissing(view) && Date.now() - started < look.forMs) {
    await pause(Math.min(look.everyMs, Math.max(0, look.forMs - (Date.now() - started))), signal);
    view = await deletedKeyView(azure, input, signal);
    looks++;
  }
  return { view, looks, waitedMs: Date.now() - started };
}

/** The key is in neither list after the look: purged, unless purge protection makes that impossible. */
async function missingKeyOutcome(
  azure: CmkAzure,
  input: StepInput,
  signal: AbortSignal,
  checked: string,
  now: () => Date,
): Promise<StepOutput> {
  const name = String(input.facts.keyName);
  const vault = await requireVault(azure, input.facts, signal);
  const registry = await readRegistry(azure, input, signal);
  const retention = vault.softDeleteRetentionInDays;
  const lastUse = registry.encryption.lastKeyRotationTimestamp;
  const usedWithinRetention = lastUse !== undefined && now().getTime() - Date.parse(lastUse) < retention * DAY_MS;
  if (vault.enablePurgeProtection && usedWithinRetention) {
    // Purge protection refuses every purge until the retention ends, and the registry used this key less than a
    // retention period ago: the key cannot have been purged. Saying "data lost" here would be false.
    return {
      outcome: "key-not-purged",
      evidence: [
        checked,
        `Purge protection is on for ${vault.name} (retention ${retention} days) and the registry last set its key on ${lastUse}: nobody can have purged key ${name} since`,
      ],
      final: {
        summary: `Key '${name}' is most likely not purged: purge protection on ${vault.name} refuses any purge for ${retention} days after a deletion, and registry ${input.target.registry} set this key on ${lastUse}. It is ${checked.replace(/^Key \S+ is /, "")}: most likely its deletion has not finished in Key Vault yet (it is eventually consistent), or the registry names a key that never existed in this vault. acr-cmk cannot tell for certain without a deleted record, so it does not declare the data lost.`,
        nextSteps: [
          `Look again in a few minutes: acr-cmk recover -g ${input.target.resourceGroup} -r ${input.target.registry} (recovery becomes possible once the key appears in the deleted list: ${fillAz(AZ.showDeletedKey, input.target, input.facts)})`,
          `If it still does not appear, check the key id the registry names (${input.facts.vaultUrl ?? ""}keys/${name}) and open an Azure support request quoting it.`,
        ],
      },
    };
  }
  const protection = vault.enablePurgeProtection
    ? ` Purge protection is on (retention ${retention} days), so only Azure can have purged it, after a deletion more than ${retention} days ago`
    : "";
  return {
    outcome: "key-purged",
    evidence: [checked, ...(protection ? [`${protection.trim()}.`] : [])],
    final: unrecoverable(
      "key",
      input,
      name,
      `is in neither the live nor the deleted list of ${vault.name}, ${lookedFor(checked)}: it was purged, or never existed under this name.${protection}`,
    ),
  };
}

const checkKeyWith =
  (options: RunbookActorOptions): StepFn =>
  async (azure, input, signal) => {
    const look = options.missingKeyLook ?? DEFAULT_MISSING_KEY_LOOK;
    const { view, looks, waitedMs } = await lookUntilSettled(azure, input, signal, look);
    const name = String(input.facts.keyName);
    const after = looks > 1 ? ` (after looking ${looks} times over ${seconds(waitedMs)})` : "";
    if (view.live)
      return { outcome: "key-present", evidence: [`Key ${name} is live (version ${view.version})${after}`] };
    if (isMissing(view)) {
      const checked = `Key ${name} is neither live nor soft-deleted in ${input.facts.vaultName} after ${seconds(waitedMs)} (${looks} looks)`;
      return missingKeyOutcome(azure, input, signal, checked, options.now ?? (() => new Date()));
    }
    return keySoftDeleted(input, view, after);
  };

function keySoftDeleted(input: StepInput, view: KeyView, after: string): StepOutput {
  const name = String(input.facts.keyName);
  return {
    outcome: "key-soft-deleted",
    evidence: [`Key ${name} was deleted ${view.deletedOn ?? "recently"}${after}`],
    plans: [
      {
        stepId: "recover-key",
        title: `Recover key ${name} in ${input.facts.vaultName}`,
        resource: String(view.recoveryId),
        before: `soft-deleted on ${view.deletedOn ?? "?"}`,
        after: "key live again with all its versions",
        az: fillAz(AZ.recoverKey, input.target, input.facts),
        risk: "low",
        irreversible: false,
        fingerprint: keyFingerprint(view),
        beforeState: { deletedKey: view },
        noUndo: `recovering key ${name} brings back what was deleted; deleting it again would only re-break the registry (and start the purge clock).`,
      },
    ],
  };
}

const recoverKey: StepFn = guardedChangeFn({
  read: deletedKeyView,
  fingerprintOf: keyFingerprint,
  done: (view) => view.live,
  describeDone: "the key is live",
  apply: async (azure, input, _view, signal) => {
    const key = await azure.recoverDeletedKey(String(input.facts.vaultUrl), String(input.facts.keyName), call(signal));
    return { evidence: [`Key ${key.name} recovered (version ${key.version})`] };
  },
});

const verifyKey: StepFn = async (azure, input, signal) => {
  try {
    const key = await latestKey(azure, input, signal);
    return { outcome: "ok", evidence: [`Key ${key.name} readable (version ${key.version})`] };
  } catch (error) {
    if (isFailure(error, "key-not-found"))
      return { outcome: "missing", message: `Key ${input.facts.keyName} is not readable yet.` };
    throw error;
  }
};

/** A recovered vault keeps its access policies but not its RBAC role assignments: check the identity's access. */
const checkAccess: StepFn = async (azure, input, signal) => {
  const registry = await readRegistry(azure, input, signal);
  const identity = await encryptionIdentity(azure, registry, signal);
  const label = identityLabel(identity);
  if (!identity.principalId) {
    return {
      outcome: "identity-missing",
      facts: identityFacts(identity),
      final: {
        summary: `The registry's encryption identity, ${label}, no longer exists or is not assigned, so its key access cannot be checked.`,
        nextSteps: [`Run: acr-cmk run identity-removed -g ${input.target.resourceGroup} -r ${input.target.registry}`],
      },
    };
  }
  const vault = await requireVault(azure, input.facts, signal);
  const access = await readAccess(azure, vault, identity.principalId, signal);
  const lost = vault.enableRbacAuthorization
    ? "vault's deletion (role assignments do not come back with a recovered vault)"
    : "incident";
  return accessOutcome(input, { ...identityFacts(identity), ...vaultFacts(vault) }, vault, access, label, {
    recovery: `this puts back the key access the registry's identity lost with the ${lost}; removing it again would only cut the registry off from its key.`,
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
      `Keep a backup of key ${key.name} (newest version ${key.version}) outside the vault, so a purge can never cost the registry its data: ${fillAz(AZ.backupKey, input.target, input.facts)}`,
      `Restore with: ${fillAz(AZ.restoreKeyBackup, input.target, input.facts)}`,
    ],
  };
};

const checkPurgeProtection: StepFn = async (azure, input, signal) => {
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

const enablePurgeProtection: StepFn = guardedChangeFn({
  read: (azure, input, signal) => requireVault(azure, input.facts, signal),
  fingerprintOf: (vault) => fingerprint({ vault: vault.id, purgeProtection: vault.enablePurgeProtection }),
  done: (vault) => vault.enablePurgeProtection,
  describeDone: "purge protection is on",
  apply: async (azure, _input, vault, signal) => {
    await azure.enableVaultPurgeProtection({ resourceGroup: vault.resourceGroup, name: vault.name }, call(signal));
    return { evidence: [`Purge protection enabled on ${vault.name}`] };
  },
});

const verifyPurgeProtection: StepFn = async (azure, input, signal) => {
  const vault = await requireVault(azure, input.facts, signal);
  return vault.enablePurgeProtection
    ? { outcome: "ok", evidence: [`Purge protection is on for ${vault.name}`] }
    : { outcome: "off", message: `Purge protection still reads as off on ${vault.name}.` };
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
