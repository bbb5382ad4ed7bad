// The key vault itself: deleted, purged, and the two safety nets (soft delete, purge protection).
import type { Finding } from "../types.js";
import { failureEvidence, runbookCommand, vaultName, vaultState, type Rule } from "./context.js";

export const vaultRules: Rule = (s, ctx) => {
  if (!s.keyRef) return [];
  const name = vaultName(s);
  const state = vaultState(s);
  const findings: Finding[] = [];

  if (state === "soft-deleted" && s.deletedVault?.ok && s.deletedVault.value) {
    const deleted = s.deletedVault.value;
    findings.push({
      id: "VAULT_SOFT_DELETED",
      severity: "critical",
      title: `Key vault '${name}' is deleted (soft-deleted, recoverable)`,
      detail:
        `The vault holding the registry's key was deleted, so the registry cannot unwrap its data. It can be recovered ` +
        `with its keys and access policies until ${deleted.scheduledPurgeDate ?? "its scheduled purge date"}. ` +
        `Recover the vault (never purge it); the registry picks the key up again once it is back.`,
      evidence: {
        vaultGet: "not found",
        deletedVault: {
          id: deleted.id,
          location: deleted.location,
          deletionDate: deleted.deletionDate,
          scheduledPurgeDate: deleted.scheduledPurgeDate,
        },
      },
      runbook: "key-deleted",
      command: runbookCommand(s, ctx, "key-deleted"),
    });
  }

  if (state === "gone") {
    findings.push({
      id: "VAULT_PURGED",
      severity: "critical",
      title: `Key vault '${name}' does not exist, not even as a deleted vault`,
      detail:
        `No live vault and no soft-deleted vault named '${name}' is in subscription ${s.subscriptionId}: it was purged, or it ` +
        `never existed under this name (check the key id ${s.registry.encryption.keyIdentifier ?? ""}). A purged vault cannot be ` +
        `recovered; registry content encrypted with its key is lost unless a key backup exists. The key-deleted runbook confirms ` +
        `this and ends honestly as unrecoverable, with the escalation path.`,
      evidence: {
        vaultGet: "not found",
        deletedVaultLookup: "not found",
        ...(s.key && !s.key.ok ? { keyRead: failureEvidence(s.key.error) } : {}),
      },
      runbook: "key-deleted",
      command: runbookCommand(s, ctx, "key-deleted"),
    });
  }

  if (state === "outside-subscription") {
    findings.push({
      id: "VAULT_OUTSIDE_SUBSCRIPTION",
      severity: "info",
      title: `Key vault '${name}' is not in subscription ${s.subscriptionId}`,
      detail:
        `The key answers, but its vault is in another subscription, so its soft delete, purge protection, firewall and ` +
        `access settings were not checked. Run diagnose with --subscription set to the vault's subscription to check them.`,
      evidence: { vaultGet: "not found in this subscription", keyRead: "ok" },
      runbook: null,
    });
  }

  if (state === "live" && s.vault?.ok && s.vault.value) {
    const vault = s.vault.value;
    if (!vault.enableSoftDelete) {
      findings.push({
        id: "SOFT_DELETE_OFF",
        severity: "warning",
        title: `Soft delete is off on key vault '${vault.name}'`,
        detail:
          `A deleted key or vault would be gone at once, with no way to recover the registry's data. Azure turns soft delete ` +
          `on for every vault now; enable it, then turn on purge protection.`,
        evidence: { field: "properties.enableSoftDelete", value: false },
        runbook: null,
        command: `az keyvault update --name ${vault.name} --resource-group ${vault.resourceGroup} --enable-soft-delete true`,
      });
    }
    if (!vault.enablePurgeProtection) {
      findings.push({
        id: "PURGE_PROTECTION_OFF",
        severity: "warning",
        title: `Purge protection is off on key vault '${vault.name}'`,
        detail:
          `Anyone with purge rights can destroy a deleted key for good, and with it every image in the registry. Microsoft's ` +
          `CMK guidance is to enable purge protection; it cannot be turned off again once on.`,
        evidence: { field: "properties.enablePurgeProtection", value: false },
        runbook: null,
        command: `az keyvault update --name ${vault.name} --resource-group ${vault.resourceGroup} --enable-purge-protection true`,
      });
    }
  }
  return findings;
};
