// Registers every listener on the Bolt app: one slash command, the run message's buttons, and three modals.
import type { App } from "@slack/bolt";
import { ACTION, INPUT_ACTION, VIEW } from "../action-ids.js";
import type { SlackDeps } from "../deps.js";
import { abortAction } from "./actions/abort.js";
import { approveAction } from "./actions/approve.js";
import { askAgainAction } from "./actions/ask-again.js";
import { inputAction } from "./actions/input.js";
import { recoverContainerGroupAction } from "./actions/recover-container-group.js";
import { recoverRegistryAction } from "./actions/recover-registry.js";
import { rejectAction } from "./actions/reject.js";
import { retryAction } from "./actions/retry.js";
import { acrCmkCommand } from "./commands/acr-cmk.js";
import { abortReasonView } from "./views/abort-reason.js";
import { confirmApprovalView } from "./views/confirm-approval.js";
import { rejectReasonView } from "./views/reject-reason.js";

export const SLASH_COMMAND = "/acr-cmk";

export function registerListeners(app: App, deps: SlackDeps): void {
  app.command(SLASH_COMMAND, acrCmkCommand(deps));
  app.action({ type: "block_actions", action_id: ACTION.approve }, approveAction(deps));
  app.action({ type: "block_actions", action_id: ACTION.reject }, rejectAction(deps));
  app.action({ type: "block_actions", action_id: INPUT_ACTION }, inputAction(deps));
  app.action({ type: "block_actions", action_id: ACTION.askAgain }, askAgainAction(deps));
  app.action({ type: "block_actions", action_id: ACTION.retry }, retryAction(deps));
  app.action({ type: "block_actions", action_id: ACTION.abort }, abortAction(deps));
  app.action({ type: "block_actions", action_id: ACTION.recoverRegistry }, recoverRegistryAction(deps));
  app.action({ type: "block_actions", action_id: ACTION.recoverContainerGroup }, recoverContainerGroupAction(deps));
  app.view({ type: "view_submission", callback_id: VIEW.rejectReason }, rejectReasonView(deps));
  app.view({ type: "view_submission", callback_id: VIEW.confirmApproval }, confirmApprovalView(deps));
  app.view({ type: "view_submission", callback_id: VIEW.abortReason }, abortReasonView(deps));
}
