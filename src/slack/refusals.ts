// What the person who clicked reads when the engine refuses: why, and what happens instead.
import { RunRefused } from "../runs/types.js";
import { escapeText } from "./blocks/mrkdwn.js";

const EXPLANATION: Record<RunRefused["reason"], string> = {
  "self-approval":
    "You started this run, so you cannot approve its changes: the two-person rule needs another approver.",
  "not-approver": "You are not on this workspace's approvers list (ACR_CMK_APPROVERS) for acr-cmk change steps.",
  stale:
    "Azure changed since this approval was requested, so it no longer describes what would happen. The run re-checks and asks again.",
  expired: "This approval request has expired. Use *Ask again* on the run's message to request a fresh approval.",
  "not-awaiting": "The run is not waiting for this any more; the run's message shows where it is now.",
  locked: "Another run is already working on this resource.",
  "unknown-run": "acr-cmk has no record of this run.",
  final: "This run has ended and takes no more actions.",
  "confirmation-required": "This change needs the name of the resource it changes typed back to approve it.",
  "invalid-input": "That choice is not one the run offers.",
  "wrong-subscription":
    "This run belongs to another Azure subscription than the one this acr-cmk app is connected to, so it cannot act on it.",
  "wrong-place":
    "This run acts in another place (the sandbox or Azure) than the one this acr-cmk app is connected to, so it cannot act on it: a run never moves between the sandbox and Azure.",
};

export function describeRefusal(error: RunRefused): string {
  return `:no_entry_sign: ${EXPLANATION[error.reason]}\n_${escapeText(error.message)}_`;
}

export function isRefusal(error: unknown): error is RunRefused {
  return error instanceof RunRefused;
}
