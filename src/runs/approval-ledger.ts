// The approval ledger: what the audit log says about each approval request of a run — asked, approved, refused,
// expired — written once each, and read back to answer a redelivered approval or a lapsed request.
import type { PendingApproval } from "../machines/protocol.js";
import { approvalExpired } from "./approval-policy.js";
import { ENGINE_ACTOR, type Clock, type Journal } from "./run-journal.js";
import type { ApprovalStamp, RunRecord } from "./run-store.js";
import type { AuditChain, RunBackend } from "./store.js";
import type { ApprovalRequest, RunRefused } from "./types.js";

export class ApprovalLedger {
  constructor(
    private readonly backend: Pick<RunBackend, "exclusive">,
    private readonly audit: AuditChain,
    private readonly write: Journal,
    private readonly clock: Clock,
    private readonly approvalTtlMs: number,
  ) {}

  /**
   * The machine asks for `pending`: stamped once per request (step and fingerprint), with its expiry. True when this is
   * a new request, which `requested` then audits.
   */
  stamp(record: RunRecord, pending: PendingApproval, now: Date): boolean {
    const stamp = record.approval;
    if (stamp && stamp.stepId === pending.stepId && stamp.fingerprint === pending.fingerprint) return false;
    record.approval = {
      stepId: pending.stepId,
      fingerprint: pending.fingerprint,
      requestedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.approvalTtlMs).toISOString(),
    };
    return true;
  }

  requested(runId: string, pending: PendingApproval, stamp: ApprovalStamp): Promise<void> {
    return this.write(
      { runId, actor: ENGINE_ACTOR, action: "approval-requested", outcome: "waiting" },
      {
        step: pending.stepId,
        title: pending.title,
        resource: pending.resource,
        risk: pending.risk,
        irreversible: pending.irreversible,
        fingerprint: pending.fingerprint,
        expiresAt: stamp.expiresAt,
      },
    );
  }

  approved(runId: string, by: string, request: ApprovalRequest): Promise<void> {
    return this.write(
      { runId, actor: by, action: "approve", outcome: "approved" },
      {
        step: request.stepId,
        title: request.title,
        resource: request.resource,
        before: request.before,
        after: request.after,
        az: request.az,
        risk: request.risk,
        irreversible: request.irreversible,
        fingerprint: request.fingerprint,
      },
    );
  }

  refused(runId: string, by: string, request: ApprovalRequest, refusal: RunRefused): Promise<void> {
    return this.write(
      { runId, actor: by, action: "approve", outcome: `refused: ${refusal.reason}` },
      { step: request.stepId, fingerprint: request.fingerprint, message: refusal.message },
    );
  }

  rejectionRefused(runId: string, by: string, stepId: string): Promise<void> {
    return this.write({ runId, actor: by, action: "reject", outcome: "refused: not-approver" }, { step: stepId });
  }

  rejected(runId: string, by: string, stepId: string, reason: string): Promise<void> {
    return this.write({ runId, actor: by, action: "reject", outcome: "rejected" }, { step: stepId, reason });
  }

  /** A double click or a redelivered Slack request: was this very request (by fingerprint) approved already? */
  async wasApproved(runId: string, fingerprint: string): Promise<boolean> {
    return (await this.audit.trail(runId)).some(
      (entry) =>
        entry.action === "approve" && entry.outcome === "approved" && entry.details.fingerprint === fingerprint,
    );
  }

  /**
   * Who approved the request now pending (its step and fingerprint) since it was last asked for: an approval another
   * process recorded before this one took the run over. An approval of an earlier request with the same fingerprint
   * (before a retry, or an expiry asked again) does not count.
   */
  async approverOfPending(runId: string, stepId: string, fingerprint: string): Promise<string | undefined> {
    let approver: string | undefined;
    for (const entry of await this.audit.trail(runId)) {
      if (entry.details.step !== stepId || entry.details.fingerprint !== fingerprint) continue;
      if (entry.action === "approval-requested") approver = undefined;
      else if (entry.action === "approve" && entry.outcome === "approved") approver = entry.actor;
    }
    return approver;
  }

  /**
   * Writes "approval-expired" unless this very request (step, fingerprint, time asked) already has one. Read and
   * append are one exclusive unit, so two processes noticing the expiry at once write it once.
   */
  recordExpiry(runId: string, stamp: ApprovalStamp): Promise<boolean> {
    return this.backend.exclusive(runId, async () => {
      const noted = (await this.audit.trail(runId)).some(
        (entry) =>
          entry.action === "approval-expired" &&
          entry.details.step === stamp.stepId &&
          entry.details.fingerprint === stamp.fingerprint &&
          entry.details.requestedAt === stamp.requestedAt,
      );
      if (noted) return false;
      await this.write(
        { runId, actor: ENGINE_ACTOR, action: "approval-expired", outcome: "expired" },
        {
          step: stamp.stepId,
          fingerprint: stamp.fingerprint,
          requestedAt: stamp.requestedAt,
          expiresAt: stamp.expiresAt,
        },
      );
      return true;
    });
  }

  /** A person resuming a run whose approval request expired asks again: a fresh request with a new expiry. */
  async askAgainIfExpired(record: RunRecord): Promise<void> {
    const stamp = record.approval;
    if (!stamp || !approvalExpired(stamp, this.clock.now())) return;
    await this.recordExpiry(record.id, stamp);
    record.approval = undefined;
  }
}
