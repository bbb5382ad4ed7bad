// The key: deleted or purged, disabled, expired or expiring, and of a type ACR cannot use.
import type { KeyVersionInfo } from "../../azure/types.js";
import type { Finding } from "../types.js";
import type { DiagnosisSnapshot } from "../snapshot.js";
import { daysBetween, failureEvidence, keyState, runbookCommand, sameId, vaultState, type Rule } from "./context.js";

/** Microsoft's own "expiring soon" window for key rotation policies. */
export const EXPIRY_WARNING_DAYS = 30;

const SUPPORTED_KEY_TYPES = new Set(["RSA", "RSA-HSM"]);

/** The version the registry wraps its data with, from the versions list (or the latest key when that is the one). */
export function versionInUse(s: DiagnosisSnapshot): (KeyVersionInfo & { latest: boolean }) | undefined {
  const key = s.key?.ok ? s.key.value : undefined;
  const wanted = s.keyVersionInUse ?? key?.version;
  if (!wanted) return undefined;
  const latest = sameId(wanted, key?.version);
  const listed = s.keyVersions?.ok ? s.keyVersions.value.find((v) => sameId(v.version, wanted)) : undefined;
  if (listed) return { ...listed, latest };
  if (key && latest) {
    return {
      id: key.id,
      version: key.version,
      enabled: key.enabled,
      expiresOn: key.expiresOn,
      notBefore: key.notBefore,
      createdOn: key.createdOn,
      latest,
    };
  }
  return undefined;
}

/**
 * Neither the key nor a deleted-key record. One look cannot tell a purge from a deletion still in progress (Key
 * Vault's soft delete is eventually consistent: for a while after a DELETE the key is in neither list), so the probe
 * looks again for a while. KEY_PURGED once that look found nothing (or the vault has no soft delete, where a deletion
 * purges at once); KEY_MISSING when the look was cut short.
 */
function missingKeyFinding(s: DiagnosisSnapshot, ctx: Parameters<Rule>[1], keyId: string): Finding {
  const ref = s.keyRef as NonNullable<DiagnosisSnapshot["keyRef"]>;
  const vault = s.vault?.ok ? s.vault.value : null;
  const looked = s.missingKeyLookedMs;
  const evidence = {
    keyGet: s.key && !s.key.ok ? failureEvidence(s.key.error) : undefined,
    deletedKeyLookup: "not found",
    ...(looked !== undefined ? { lookedAgainForSeconds: Math.round(looked / 1000) } : {}),
    ...(vault ? { softDelete: vault.enableSoftDelete, purgeProtection: vault.enablePurgeProtection } : {}),
  };
  if (vault && !vault.enableSoftDelete) {
    return {
      id: "KEY_PURGED",
      severity: "critical",
      title: `Key '${ref.name}' is gone from vault '${ref.vaultName}', and the vault has no soft delete`,
      detail:
        `Neither the key nor a deleted-key record exists, and without soft delete a deletion purges at once: it was ` +
        `purged, or never existed under this name (check ${keyId}). A purged key cannot be recovered; the registry's ` +
        `content is lost unless a key backup exists. The key-deleted runbook confirms it and ends as unrecoverable with ` +
        `the escalation path.`,
      evidence,
      runbook: "key-deleted",
      command: runbookCommand(s, ctx, "key-deleted"),
    };
  }
  if (looked !== undefined) {
    const retention = vault?.enablePurgeProtection
      ? ` Purge protection is on, so it was deleted more than ${vault.softDeleteRetentionInDays} days ago (retention ended) or never existed under this name.`
      : "";
    return {
      id: "KEY_PURGED",
      severity: "critical",
      title: `Key '${ref.name}' is purged from vault '${ref.vaultName}' (not live, not in the deleted list)`,
      detail:
        `Neither the key nor a deleted-key record exists, and none appeared in ${Math.round(looked / 1000)} s of ` +
        `looking again (a deletion in progress shows its record within seconds): it was purged, or never existed under ` +
        `this name (check ${keyId}).${retention} A purged key cannot be recovered; the registry's content is lost ` +
        `unless a key backup exists (az keyvault key restore). The key-deleted runbook confirms it and ends as ` +
        `unrecoverable with the escalation path.`,
      evidence,
      runbook: "key-deleted",
      command: runbookCommand(s, ctx, "key-deleted"),
    };
  }
  const protectedNote = vault?.enablePurgeProtection
    ? ` Purge protection is on, so nobody can have purged it within ${vault.softDeleteRetentionInDays} days of a deletion.`
    : "";
  return {
    id: "KEY_MISSING",
    severity: "critical",
    title: `Key '${ref.name}' is neither live nor soft-deleted (yet) in vault '${ref.vaultName}'`,
    detail:
      `Key Vault shows a key in neither list for a while after it is deleted, before its deleted record appears, so ` +
      `this is not proof of a purge.${protectedNote} Look again in a minute: once the key is in the deleted list it can ` +
      `be recovered. The key-deleted runbook looks again before concluding anything; if the key never appears it was ` +
      `purged or never existed under this name (check ${keyId}).`,
    evidence,
    runbook: "key-deleted",
    command: runbookCommand(s, ctx, "key-deleted"),
  };
}

export const keyRules: Rule = (s, ctx) => {
  const ref = s.keyRef;
  if (!ref) return [];
  // A deleted or missing vault takes its keys with it: the vault rules say so once.
  const vault = vaultState(s);
  if (vault === "soft-deleted" || vault === "gone") return [];

  const findings: Finding[] = [];
  const state = keyState(s);
  const keyId = `${ref.vaultUrl}keys/${ref.name}`;

  if (state === "soft-deleted" && s.deletedKey?.ok && s.deletedKey.value) {
    const deleted = s.deletedKey.value;
    findings.push({
      id: "KEY_SOFT_DELETED",
      severity: "critical",
      title: `Key '${ref.name}' in vault '${ref.vaultName}' is deleted (soft-deleted, recoverable)`,
      detail:
        `The registry's key was deleted, so its content cannot be read. Recover the key (never purge it) before ` +
        `${deleted.scheduledPurgeDate ?? "its scheduled purge date"}; the registry picks it up again once it is back.`,
      evidence: {
        keyGet: s.key && !s.key.ok ? failureEvidence(s.key.error) : undefined,
        deletedKey: {
          recoveryId: deleted.recoveryId,
          deletedOn: deleted.deletedOn,
          scheduledPurgeDate: deleted.scheduledPurgeDate,
        },
      },
      runbook: "key-deleted",
      command: runbookCommand(s, ctx, "key-deleted"),
    });
    return findings;
  }

  if (state === "purged") {
    findings.push(missingKeyFinding(s, ctx, keyId));
    return findings;
  }

  const key = s.key?.ok ? s.key.value : undefined;
  if (!key) return findings;

  if (!SUPPORTED_KEY_TYPES.has(key.keyType)) {
    findings.push({
      id: "KEY_TYPE_UNSUPPORTED",
      severity: "critical",
      title: `Key '${ref.name}' is ${key.keyType}; ACR supports only RSA or RSA-HSM keys`,
      detail:
        `Azure Container Registry cannot wrap its data with elliptic-curve keys. Create an RSA key (or an RSA version of ` +
        `this key) and rotate the registry to it.`,
      evidence: { field: "key.kty", value: key.keyType, keyId: key.id },
      runbook: "rotate",
      command: runbookCommand(s, ctx, "rotate"),
    });
  }

  const inUse = versionInUse(s);
  if (!inUse) return findings;
  const versionNote = inUse.latest ? "" : ` (version ${inUse.version}, not the latest)`;

  if (!inUse.enabled) {
    findings.push({
      id: inUse.latest ? "KEY_DISABLED" : "KEY_VERSION_DISABLED",
      severity: "critical",
      title: inUse.latest
        ? `Key '${ref.name}' is disabled`
        : `The key version the registry uses is disabled${versionNote}`,
      detail:
        `Key Vault refuses unwrapKey on a disabled key, so the registry cannot read its content. Re-enable ` +
        `${inUse.latest ? "the key" : `version ${inUse.version}`} (restore runbook), or rotate to an enabled version.`,
      evidence: { field: "attributes.enabled", value: false, keyId: inUse.id },
      runbook: "restore",
      command: runbookCommand(s, ctx, "restore"),
    });
  }

  if (inUse.expiresOn) {
    const daysLeft = daysBetween(s.now, inUse.expiresOn);
    if (daysLeft <= 0) {
      findings.push({
        id: "KEY_EXPIRED",
        severity: "critical",
        title: `Key '${ref.name}' expired on ${inUse.expiresOn}${versionNote}`,
        detail:
          `Key Vault still unwraps with an expired key, so existing content may read, but wrapping new data and key ` +
          `rotation fail. Extend or clear the expiry (restore runbook), then plan a rotation.`,
        evidence: { field: "attributes.exp", value: inUse.expiresOn, now: s.now, keyId: inUse.id },
        runbook: "restore",
        command: runbookCommand(s, ctx, "restore"),
      });
    } else if (daysLeft <= EXPIRY_WARNING_DAYS) {
      findings.push({
        id: "KEY_EXPIRING_SOON",
        severity: "warning",
        title: `Key '${ref.name}' expires in ${Math.ceil(daysLeft)} day(s), on ${inUse.expiresOn}${versionNote}`,
        detail: `Rotate to a new key version before it expires; after expiry new content cannot be wrapped and rotation fails.`,
        evidence: {
          field: "attributes.exp",
          value: inUse.expiresOn,
          now: s.now,
          windowDays: EXPIRY_WARNING_DAYS,
          keyId: inUse.id,
        },
        runbook: "rotate",
        command: runbookCommand(s, ctx, "rotate"),
      });
    }
  }
  return findings;
};
