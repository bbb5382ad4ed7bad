// Modals: the reason for a rejection or an abort, and the registry name typed back to approve an irreversible or
// high-risk change.
import type { types } from "@slack/bolt";
import type { ApprovalRequest, RunView } from "../../runs/types.js";
import { encodeValue, VIEW, type ModalMetadata, type RunModalMetadata } from "../action-ids.js";
import { code, escapeText, section } from "./mrkdwn.js";
import { targetKind, targetName, targetPath, type RunTarget } from "../../machines/target.js";

export const REASON_BLOCK = "reason";
export const REASON_INPUT = "reason_input";
export const CONFIRM_BLOCK = "confirm";
export const CONFIRM_INPUT = "confirm_input";

function plain(text: string): types.PlainTextElement {
  return { type: "plain_text", text: text.slice(0, 24) };
}

function reasonInput(label: string): types.InputBlock {
  return {
    type: "input",
    block_id: REASON_BLOCK,
    label: { type: "plain_text", text: label },
    element: { type: "plain_text_input", action_id: REASON_INPUT, multiline: true, min_length: 3, max_length: 500 },
  };
}

export function rejectReasonModal(request: ApprovalRequest, metadata: ModalMetadata): types.ModalView {
  return {
    type: "modal",
    callback_id: VIEW.rejectReason,
    private_metadata: encodeValue(metadata),
    title: plain("Reject change"),
    submit: plain("Reject"),
    close: plain("Cancel"),
    blocks: [
      section(
        `*${escapeText(request.title)}*\n${code(request.resource)}\nNothing further is changed; the run ends as rejected.`,
      ),
      reasonInput("Why are you rejecting it?"),
    ],
  };
}

export function abortRunModal(view: RunView, metadata: RunModalMetadata): types.ModalView {
  const target = `${targetPath(view.target)}`;
  const undo =
    view.rollback.length > 0 ? " The run's message keeps the commands that undo the changes made so far." : "";
  return {
    type: "modal",
    callback_id: VIEW.abortReason,
    private_metadata: encodeValue(metadata),
    title: plain("Abort run"),
    submit: plain("Abort run"),
    close: plain("Cancel"),
    blocks: [
      section(
        `*${escapeText(view.runbook)} on ${escapeText(target)}* (run ${code(view.id)})\nNothing further is changed; the run ends as aborted.${undo}`,
      ),
      reasonInput("Why are you aborting it?"),
    ],
  };
}

export function confirmApprovalModal(
  request: ApprovalRequest,
  target: RunTarget,
  metadata: ModalMetadata,
): types.ModalView {
  const why = request.irreversible ? "cannot be undone" : "is high risk";
  return {
    type: "modal",
    callback_id: VIEW.confirmApproval,
    private_metadata: encodeValue(metadata),
    title: plain("Approve change"),
    submit: plain("Approve"),
    close: plain("Cancel"),
    blocks: [
      section(
        `*${escapeText(request.title)}* ${why}.\n${code(request.resource)}\nBefore: ${escapeText(request.before)}\nAfter: ${escapeText(request.after)}`,
      ),
      {
        type: "input",
        block_id: CONFIRM_BLOCK,
        label: { type: "plain_text", text: `Type the ${targetKind(target)} name (${targetName(target)}) to approve` },
        element: { type: "plain_text_input", action_id: CONFIRM_INPUT, max_length: 100 },
      },
    ],
  };
}
