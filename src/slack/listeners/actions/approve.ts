// Approve on a change step. The engine decides (two-person rule, approvers list, expiry, fingerprint) and writes the
// audit entry with the clicker's Slack user id; a high-risk or irreversible change first asks for the registry name.
import { checkApproval, needsConfirmation, typedBack } from "../../../runs/approval-policy.js";
import { RunRefused, type ApprovalRequest, type RunView } from "../../../runs/types.js";
import { approvalValue, type ApprovalValue } from "../../action-ids.js";
import { confirmApprovalModal } from "../../blocks/modals.js";
import { escapeText, person } from "../../blocks/mrkdwn.js";
import type { SlackDeps } from "../../deps.js";
import { openModal } from "./click.js";
import { runButton } from "./run-button.js";
import { targetKind, targetName } from "../../../machines/target.js";

/** Who already approved exactly this change (same step, same Azure state), from the audit trail. */
export async function approverOf(deps: SlackDeps, value: ApprovalValue): Promise<string | undefined> {
  return (await deps.engine.auditTrail(value.r)).find(
    (entry) =>
      entry.action === "approve" &&
      entry.outcome === "approved" &&
      entry.details.fingerprint === value.f &&
      entry.details.step === value.s,
  )?.actor;
}

/**
 * Whether the engine would accept this click once the registry name is typed. The engine's own policy, asked ahead:
 * when it would, the confirmation modal opens at once, instead of first sending an approval bound to be refused as
 * "confirmation-required" (which would only clutter the audit log). When it would not, the engine is asked without
 * the name, so it refuses for the real reason and audits that.
 */
function onlyTheNameIsMissing(
  deps: SlackDeps,
  view: RunView,
  request: ApprovalRequest,
  by: string,
  fingerprint: string,
) {
  try {
    checkApproval(
      { approvers: deps.approvers },
      // A run started in Slack never allows self-approval; a terminal's `--yes` run falls back to the engine's answer.
      {
        request,
        by,
        selfApprove: false,
        ...typedBack(view.target),
        now: deps.now(),
        fingerprint,
        confirmation: targetName(view.target),
      },
    );
    return true;
  } catch (error) {
    if (error instanceof RunRefused) return false;
    throw error;
  }
}

export function approveAction(deps: SlackDeps) {
  return runButton(deps, {
    value: approvalValue,
    what: "approve the change",
    async act({ value, view, click, body, client, answer }) {
      if (view.status !== "awaiting-approval") {
        const approver = await approverOf(deps, value);
        if (approver) return answer(`Already approved by ${person(approver)}; the change runs once.`);
      }
      const request = view.approval;
      const confirmIn = (ref: { channel: string; ts: string }, pending: ApprovalRequest) => {
        const expected = pending.confirmText !== undefined ? { x: pending.confirmText, n: 1 as const } : {};
        const typeBack = { x: targetName(view.target), k: targetKind(view.target), ...expected };
        const modal = confirmApprovalModal(pending, view.target, { ...value, c: ref.channel, t: ref.ts, ...typeBack });
        const open = { runId: value.r, triggerId: body.trigger_id, view: modal, button: "Approve" };
        return openModal(deps, client, open, answer);
      };
      if (
        view.status === "awaiting-approval" &&
        request &&
        click.ref &&
        needsConfirmation(request) &&
        onlyTheNameIsMissing(deps, view, request, click.user, value.f)
      ) {
        return confirmIn(click.ref, request);
      }
      try {
        await deps.engine.approve(value.r, click.user, { fingerprint: value.f });
      } catch (error) {
        // Everything else checks out and the name is missing: a run that allows self-approval (a terminal's `--yes`).
        if (error instanceof RunRefused && error.reason === "confirmation-required" && request && click.ref) {
          return confirmIn(click.ref, request);
        }
        throw error;
      }
      await deps.messages.say(value.r, `${person(click.user)} approved *${escapeText(request?.title ?? value.s)}*.`);
    },
  });
}
