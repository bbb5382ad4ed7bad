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

  /** The machine asks for `pending`: stamped and audited once per request (step and fingerprint), with its expiry. */
  requested(record: RunRecord, pending: PendingApproval, now: Date): void {
    const stamp = record.approval;
    if (stamp && stamp.stepId === pending.stepId && stamp.fingerprint === pending.fingerprint) return;
    record.approval = {
      stepId: pending.stepId,
      fingerprint: pending.fingerprint,
      requestedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.approvalTtlMs).toISOString(),
    };
    this.write(
      { runId: record.id, actor: ENGINE_ACTOR, action: "approval-requested", outcome: "waiting" },
      {
        step: pending.stepId,
        title: pending.title,
        resource: pending.resource,
        risk: pending.risk,
        irreversible: pending.irreversible,
        fingerprint: pending.fingerprint,
        expiresAt: record.approval.expiresAt,
      },
    );
  }

  approved(runId: string, by: string, request: ApprovalRequest): void {
    this.write(
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

  refused(runId: string, by: string, request: ApprovalRequest, refusal: RunRefused): void {
    this.write(
      { runId, actor: by, action: "approve", outcome: `refused: ${refusal.reason}` },
      { step: request.stepId, fingerprint: request.fingerprint, message: refusal.message },
    );
  }

  rejectionRefused(runId: string, by: string, stepId: string): void {
    this.write({ runId, actor: by, action: "reject", outcome: "refused: not-approver" }, { step: stepId });
  }

  rejected(runId: string, by: string, stepId: string, reason: string): void {
    this.write({ runId, actor: by, action: "reject", outcome: "rejected" }, { step: stepId, reason });
  }

  /** A double click or a redelivered Slack request: was this very request (by fingerprint) approved already? */
  wasApproved(runId: string, fingerprint: string): boolean {
    return this.audit
      .trail(runId)
      .some(
        (entry) =>
          entry.action === "approve" && entry.outcome === "approved" && entry.details.fingerprint === fingerprint,
      );
  }

  /** Writes "approval-expired" unless this very request (step, fingerprint, time asked) already has one. */
  recordExpiry(runId: string, stamp: ApprovalStamp): boolean {
    return this.backend.exclusive(() => {
      const noted = this.audit
        .trail(runId)
        .some(
          (entry) =>
            entry.action === "approval-expired" &&
            entry.details.step === stamp.stepId &&
            entry.details.fingerprint === stamp.fingerprint &&
            entry.details.requestedAt === stamp.requestedAt,
        );
      if (noted) return false;
      this.write(
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
  askAgainIfExpired(record: RunRecord): void {
    const stamp = record.approval;
    if (!stamp || !approvalExpired(stamp, this.clock.now())) return;
    this.recordExpiry(record.id, stamp);
    record.approval = undefined;
  }
}
