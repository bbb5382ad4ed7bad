// key-deleted, the key: is it live, soft-deleted (recover it), or in neither list? Neither is what Key Vault shows for
// a while after every DELETE, not only after a purge, so the check looks again (the same look as diagnose) before it
// concludes anything, and with purge protection on it never calls a recently used key purged.
import type { CmkAzure } from "../../azure/types.js";
import { DEFAULT_MISSING_KEY_LOOK, findDeletedKey, lookWhileMissing } from "../../diagnosis/missing-key-look.js";
import { AZ, fillAz } from "../az.js";
import { fingerprint } from "../fingerprint.js";
import type { RunbookActorOptions } from "../protocol.js";
import type { StepFn, StepInput, StepOutput } from "../steps.js";
import { guardedChangeFn } from "./guarded-change.js";
import { call, isFailure } from "./port-calls.js";
import { unrecoverable } from "./purged.js";
import { latestKey, readRegistry } from "./registry.js";
import { requireVault } from "./vault.js";
import { wallClock } from "./wall-clock.js";
import { targetArgs, targetKind, targetName, theTarget } from "../target.js";

const DAY_MS = 86_400_000;

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/** "after 3 s (16 looks)" out of the check's evidence line, for the run's summary. */
const lookedFor = (checked: string) => checked.match(/after .*$/)?.[0] ?? "after looking again";

interface KeyView {
  live: boolean;
  version: string | undefined;
  deletedOn: string | undefined;
  recoveryId: string | undefined;
}

/** The key in the live list, else its deleted record, else neither. */
async function deletedKeyView(azure: CmkAzure, input: StepInput, signal: AbortSignal): Promise<KeyView> {
  const vaultUrl = String(input.facts.vaultUrl);
  const keyName = String(input.facts.keyName);
  try {
    const key = await azure.getKey(vaultUrl, keyName, undefined, call(signal));
    return { live: true, version: key.version, deletedOn: undefined, recoveryId: undefined };
  } catch (error) {
    if (!isFailure(error, "key-not-found", "not-found")) throw error;
  }
  const deleted = await findDeletedKey(azure, vaultUrl, keyName, call(signal));
  return deleted
    ? {
        live: false,
        version: deleted.version,
        deletedOn: deleted.deletedOn,
        recoveryId: deleted.recoveryId ?? deleted.id,
      }
    : { live: false, version: undefined, deletedOn: undefined, recoveryId: undefined };
}

const keyFingerprint = (view: KeyView) =>
  fingerprint({ live: view.live, recoveryId: view.recoveryId ?? null, deletedOn: view.deletedOn ?? null });

const isMissing = (view: KeyView) => !view.live && !view.recoveryId;

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
        `Purge protection is on for ${vault.name} (retention ${retention} days) and ${theTarget(input.target)} last set its key on ${lastUse}: nobody can have purged key ${name} since`,
      ],
      final: {
        summary: `Key '${name}' is most likely not purged: purge protection on ${vault.name} refuses any purge for ${retention} days after a deletion, and ${targetKind(input.target)} ${targetName(input.target)} set this key on ${lastUse}. It is ${checked.replace(/^Key \S+ is /, "")}: most likely its deletion has not finished in Key Vault yet (it is eventually consistent), or ${theTarget(input.target)} names a key that never existed in this vault. acr-cmk cannot tell for certain without a deleted record, so it does not declare the data lost.`,
        nextSteps: [
          `Look again in a few minutes: ${input.invocation} recover ${targetArgs(input.target)} (recovery becomes possible once the key appears in the deleted list: ${fillAz(AZ.showDeletedKey, input.target, input.facts)})`,
          `If it still does not appear, check the key id ${theTarget(input.target)} names (${input.facts.vaultUrl ?? ""}keys/${name}) and open an Azure support request quoting it.`,
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
        noUndo: `recovering key ${name} brings back what was deleted; deleting it again would only re-break ${theTarget(input.target)} (and start the purge clock).`,
      },
    ],
  };
}

/** check-key, looking as `options.missingKeyLook` says and judging expiry by `options.now`. */
export const checkKeyWith =
  (options: RunbookActorOptions): StepFn =>
  async (azure, input, signal) => {
    const look = options.missingKeyLook ?? DEFAULT_MISSING_KEY_LOOK;
    const result = await lookWhileMissing(() => deletedKeyView(azure, input, signal), isMissing, { look, signal });
    // Stopped during a pause: end the step the way an aborted SDK call does.
    if (result.stopped) throw signal.reason;
    const { value: view, looks, waitedMs } = result;
    const name = String(input.facts.keyName);
    const after = looks > 1 ? ` (after looking ${looks} times over ${seconds(waitedMs)})` : "";
    if (view.live)
      return { outcome: "key-present", evidence: [`Key ${name} is live (version ${view.version})${after}`] };
    if (isMissing(view)) {
      const checked = `Key ${name} is neither live nor soft-deleted in ${input.facts.vaultName} after ${seconds(waitedMs)} (${looks} looks)`;
      return missingKeyOutcome(azure, input, signal, checked, options.now ?? wallClock.now);
    }
    return keySoftDeleted(input, view, after);
  };

export const recoverKey: StepFn = guardedChangeFn({
  read: deletedKeyView,
  fingerprintOf: keyFingerprint,
  done: (view) => view.live,
  describeDone: "the key is live",
  apply: async (azure, input, _view, signal) => {
    const key = await azure.recoverDeletedKey(String(input.facts.vaultUrl), String(input.facts.keyName), call(signal));
    return { evidence: [`Key ${key.name} recovered (version ${key.version})`] };
  },
});

export const verifyKey: StepFn = async (azure, input, signal) => {
  try {
    const key = await latestKey(azure, input, signal);
    return { outcome: "ok", evidence: [`Key ${key.name} readable (version ${key.version})`] };
  } catch (error) {
    if (isFailure(error, "key-not-found"))
      return { outcome: "missing", message: `Key ${input.facts.keyName} is not readable yet.` };
    throw error;
  }
};
