// Steps that several runbooks take the same way: one id, one actor, one command and one verification each, so a fix to
// any of them reaches every runbook. The runbook passes only what differs: its reasons and where the run goes next.
import { ACCESS_AZ, AZ } from "./az.js";
import { guardedChange, verify, type ApprovalStep, type ChangeStep, type InvokeStep } from "./steps.js";

type GuardedChange = [ApprovalStep, ChangeStep, InvokeStep];

/**
 * Grant the registry's identity the documented minimum key access, then verify it: approve-grant-access →
 * grant-access → verify-grant-access. The runbook's `check-access` step computes the plan; a stale approval goes back
 * there.
 */
export function grantAccess(options: { title: string; why: string; next: string }): GuardedChange {
  return guardedChange({
    id: "grant-access",
    title: options.title,
    why: options.why,
    risk: "medium",
    az: ACCESS_AZ.grant,
    actor: "grantAccess",
    verifyActor: "verifyAccess",
    verifyTitle: "Verify the identity's access",
    verifyAz: ACCESS_AZ.show,
    verifyOn: { ok: options.next, missing: "failed" },
    recheck: "check-access",
  });
}

/** The proof a recovery worked: the registry's own data plane answers (verify-registry). */
export function verifyRegistry(options: { next: string; why?: string }): InvokeStep {
  return verify(
    "verify-registry",
    {
      title: "Verify the registry reads its key",
      why: options.why ?? "The registry's own data plane must answer again.",
      risk: "none",
      az: AZ.checkRegistry,
    },
    "verifyRegistry",
    { ok: options.next, unreadable: "failed" },
  );
}

/**
 * Back up the key, then verify it is intact: approve-backup-key → backup-key → verify-backup-key. `why` says why a
 * backup matters in this runbook; what acr-cmk keeps of the backup is the actor's promise, so it is added here.
 */
export function backupKey(options: { why: string; next: string; recheck: string }): GuardedChange {
  return guardedChange({
    id: "backup-key",
    title: "Back up the key",
    why: `${options.why} acr-cmk records only its size and digest, never the blob.`,
    risk: "low",
    az: AZ.backupKey,
    actor: "backupKey",
    verifyActor: "verifyBackup",
    verifyTitle: "Verify the key is intact",
    verifyAz: AZ.showKey,
    verifyOn: { ok: options.next },
    recheck: options.recheck,
  });
}
