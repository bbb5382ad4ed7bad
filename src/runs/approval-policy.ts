// Who may approve or reject which change, and when a request lapses. Pure: the engine passes in the request, the run's
// facts and the clock; drivers ask here too (Slack's "expired" banner), so every driver agrees with the engine.
import { describeResources } from "../machines/resource-names.js";
import { targetKind, targetName } from "../machines/target.js";
import { RunRefused, type ApprovalRequest, type RunTarget } from "./types.js";

export interface ApprovalPolicyOptions {
  /** People allowed to approve other people's changes (Slack passes ACR_CMK_APPROVERS); empty = anyone but the requester. */
  approvers: readonly string[];
}

export interface ApprovalAttempt {
  request: ApprovalRequest;
  by: string;
  /** The run allows its requester to approve their own changes (a local `--yes`). */
  selfApprove: boolean;
  /** The name typed back to approve a high-risk change: the registry's, or the container group's. */
  registry: string;
  /** What `registry` names, for the refusal's words (default registry). */
  kind?: "registry" | "container group";
  now: Date;
  fingerprint?: string;
  confirmation?: string;
}

/** What a high-risk approval of a change on `target` has typed back: its name, and what kind of resource it names. */
export function typedBack(target: RunTarget): Pick<ApprovalAttempt, "registry" | "kind"> {
  return { registry: targetName(target), kind: targetKind(target) };
}

/**
 * High-risk and irreversible steps need the registry name typed back: the stronger approval. A change that cuts off
 * more than its target (a shared key) needs the number of resources affected instead.
 */
export function needsConfirmation(request: Pick<ApprovalRequest, "risk" | "irreversible" | "confirmText">): boolean {
  return request.risk === "high" || request.irreversible || request.confirmText !== undefined;
}

/** What the approver types back: the request's own text (a count), else the registry name. */
export function confirmationText(request: Pick<ApprovalRequest, "confirmText">, registry: string): string {
  return request.confirmText ?? registry;
}

/** The request is past its expiry: approving it is refused until a person resumes the run and it is asked again. */
export function approvalExpired(request: Pick<ApprovalRequest, "expiresAt"> | undefined, now: Date): boolean {
  return request !== undefined && now.getTime() > Date.parse(request.expiresAt);
}

/**
 * When a request that holds a registry lapses: an approval request at its own expiry; a question without one (a
 * choice), one approval TTL after it was asked.
 */
export function requestLapsesAt(
  approval: Pick<ApprovalRequest, "expiresAt"> | undefined,
  askedAt: string,
  approvalTtlMs: number,
): Date {
  return new Date(approval?.expiresAt ?? Date.parse(askedAt) + approvalTtlMs);
}

/** ": registry a, container group b and 3 more": the resources a change that cuts off more than its target reaches. */
function affectedList(request: Pick<ApprovalRequest, "blastRadius">): string {
  const ids = request.blastRadius?.affected ?? [];
  return ids.length > 0 ? `: ${describeResources(ids)}` : "";
}

/** Throws RunRefused with a reason a driver can show; returns when the approval may be sent. */
export function checkApproval(policy: ApprovalPolicyOptions, attempt: ApprovalAttempt): void {
  const { request, by } = attempt;
  if (approvalExpired(request, attempt.now)) {
    throw new RunRefused(
      `The approval request for "${request.title}" expired at ${request.expiresAt}; resume the run to request it again.`,
      "expired",
    );
  }
  if (attempt.fingerprint !== undefined && attempt.fingerprint !== request.fingerprint) {
    throw new RunRefused(
      `The approval was given for a different Azure state than the one "${request.title}" now shows; review the new request.`,
      "stale",
    );
  }
  const isRequester = by === request.requester;
  if (isRequester && !attempt.selfApprove) {
    throw new RunRefused(
      `${by} started this run and cannot approve its own change "${request.title}"; another approver must approve it.`,
      "self-approval",
    );
  }
  // A named approvers list binds everyone: a local `--yes` lets a requester approve their own change only when they
  // are on it (or when the team named nobody).
  if (policy.approvers.length > 0 && !policy.approvers.includes(by)) {
    throw new RunRefused(
      isRequester
        ? `${by} started this run and is not on the approvers list (ACR_CMK_APPROVERS), so cannot approve its own change "${request.title}"; an approver must approve it.`
        : `${by} is not on the approvers list for change steps.`,
      "not-approver",
    );
  }
  if (needsConfirmation(request)) {
    const typed = attempt.confirmation?.trim().toLowerCase();
    const expected = confirmationText(request, attempt.registry);
    if (typed !== expected.toLowerCase()) {
      throw new RunRefused(
        request.confirmText !== undefined
          ? `"${request.title}": type the number of resources affected (${expected}) to approve it${affectedList(request)}.`
          : `"${request.title}" is ${request.irreversible ? "irreversible" : "high risk"}: type the ${attempt.kind ?? "registry"} name "${attempt.registry}" to approve it.`,
        "confirmation-required",
      );
    }
  }
}

/**
 * Who may reject a change: its requester (calling off their own change), or anyone when the team named no approvers,
 * otherwise an approver. Throws RunRefused("not-approver").
 */
export function checkRejection(policy: ApprovalPolicyOptions, attempt: { by: string; requester: string }): void {
  const { by } = attempt;
  if (by === attempt.requester || policy.approvers.length === 0 || policy.approvers.includes(by)) return;
  throw new RunRefused(`${by} is not on the approvers list and did not start this run.`, "not-approver");
}
