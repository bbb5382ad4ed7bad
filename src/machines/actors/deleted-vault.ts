// key-deleted, the vault: is it live, soft-deleted (recover it) or purged (unrecoverable)? A recovered vault comes back
// with its keys, access policies and settings, not its RBAC role assignments (checked later by check-access).
import type { CmkAzure, DeletedVaultInfo } from "../../azure/types.js";
import { AZ, fillAz } from "../az.js";
import { resourceGroupOf } from "../facts.js";
import { fingerprint } from "../fingerprint.js";
import type { StepFn, StepInput } from "../steps.js";
import { guardedChangeFn } from "./guarded-change.js";
import { call } from "./port-calls.js";
import { unrecoverable } from "./purged.js";
import { readCmkRegistry } from "./registry.js";
import { requireVault, vaultFacts } from "./vault.js";
import { targetArgs, theTarget } from "../target.js";

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

export const checkVault: StepFn = async (azure, input, signal) => {
  const read = await readCmkRegistry(azure, input, signal, {
    reason: "this runbook does not apply",
    nextSteps: [`${input.invocation} diagnose ${targetArgs(input.target)}`],
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
        noUndo: `recovering key vault ${d.name} brings back what was deleted; deleting it again would only re-break ${theTarget(input.target)} (and start the purge clock).`,
      },
    ],
  };
};

export const recoverVault: StepFn = guardedChangeFn({
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

export const verifyVault: StepFn = async (azure, input, signal) => {
  const vault = await azure.findVaultByName(String(input.facts.vaultName), call(signal));
  if (!vault) return { outcome: "missing", message: `Vault ${input.facts.vaultName} is not live yet.` };
  return { outcome: "ok", facts: vaultFacts(vault), evidence: [`Vault ${vault.name} is live (${vault.vaultUri})`] };
};
