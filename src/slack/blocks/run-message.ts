// The one message a run keeps in its channel: checklist, current step, evidence, and the buttons a person needs next
// (Approve / Reject on a change, the choices of an input, "ask again" after an approval expired, Retry after an error).
// Pure: RunView + clock in, Block Kit out.
import type { types } from "@slack/bolt";
import type { RunStatus, RunView, StepStatus, StepView } from "../../runs/types.js";
import { ACTION, encodeValue } from "../action-ids.js";
import {
  code,
  codeBlock,
  context,
  escapeText,
  header,
  person,
  section,
  slackDate,
  truncate,
  type Block,
} from "./mrkdwn.js";
import { approvalExpired } from "../../runs/approval-policy.js";
import { undoOrder } from "../../runs/undo.js";
import { targetKind, targetPath } from "../../machines/target.js";

export interface RunMessageOptions {
  now: Date;
  approvers: readonly string[];
}

export interface SlackMessage {
  /** Notification and screen-reader text; Slack requires it next to blocks. */
  text: string;
  blocks: Block[];
}

const STEP_MARK: Record<StepStatus, string> = {
  done: ":white_check_mark:",
  current: ":arrow_forward:",
  pending: ":white_square:",
  skipped: ":heavy_minus_sign:",
  failed: ":x:",
  rejected: ":no_entry_sign:",
};

const STATUS_TEXT: Record<RunStatus, string> = {
  running: ":hourglass_flowing_sand: running",
  "awaiting-approval": ":raised_hand: waiting for approval",
  "awaiting-input": ":question: waiting for a choice",
  waiting: ":clock3: waiting",
  succeeded: ":large_green_circle: succeeded",
  unrecoverable: ":red_circle: unrecoverable",
  escalated: ":sos: escalated to Azure Support",
  rejected: ":no_entry: rejected",
  aborted: ":octagonal_sign: aborted",
  failed: ":warning: stopped at an error",
  stopped: ":pause_button: stopped (resumable)",
};

const MAX_EVIDENCE_LINES = 12;

function checklist(steps: StepView[]): string {
  // Skipped branches say nothing useful once the run has ended; the order of what happened does.
  const lines = steps
    .filter((step) => step.status !== "skipped")
    .map((step) => {
      const risk = step.kind === "change" && step.risk !== "none" ? ` _(risk ${step.risk})_` : "";
      const title = escapeText(step.title);
      const rejected = step.status === "rejected" ? " _(rejected)_" : "";
      return `${STEP_MARK[step.status]} ${step.status === "current" ? `*${title}*` : title}${risk}${rejected}`;
    });
  return truncate(lines.join("\n"));
}

function evidenceOf(view: RunView): { step: StepView; lines: string[] } | undefined {
  const current = view.steps.find((step) => step.id === view.currentStepId);
  if (current?.evidence?.length) return { step: current, lines: current.evidence };
  const withEvidence = view.steps.filter((step) => step.status === "done" && step.evidence?.length);
  const last = withEvidence[withEvidence.length - 1];
  return last ? { step: last, lines: last.evidence ?? [] } : undefined;
}

function button(text: string, actionId: string, value: object, style?: "primary" | "danger"): types.Button {
  return {
    type: "button",
    text: { type: "plain_text", text: truncate(text, 75), emoji: true },
    action_id: actionId,
    value: encodeValue(value),
    ...(style ? { style } : {}),
  };
}

/** Ends the whole run (asks for a reason first), as opposed to Reject, which turns down one change. */
function abortButton(view: RunView): types.Button {
  return button("Abort run", ACTION.abort, { r: view.id });
}

function approvalBlocks(view: RunView, options: RunMessageOptions): Block[] {
  const request = view.approval!;
  const who = options.approvers.length
    ? `Approvers: ${options.approvers.map(person).join(", ")} (not ${person(request.requester)}, who asked).`
    : `Anyone but ${person(request.requester)}, who asked, may approve.`;
  const details = [
    `*Approval needed: ${escapeText(request.title)}*`,
    `Resource: ${code(request.resource)}`,
    `Before: ${escapeText(request.before)}`,
    `After: ${escapeText(request.after)}`,
    ...(view.incident?.undoes ? [`Undoes: ${escapeText(view.incident.undoes.summary)}`] : []),
    `Risk: *${request.risk}*${request.irreversible ? ` — *irreversible*: the approver types the ${targetKind(view.target)} name` : ""}`,
    `Azure CLI: ${code(request.az)}`,
  ].join("\n");
  if (approvalExpired(view.approval, options.now)) {
    return [
      section(details),
      section(
        `:hourglass: This approval request expired at ${slackDate(request.expiresAt)}. The run waits and nothing was ` +
          "changed; ask again to re-check and request a fresh approval.",
      ),
      { type: "actions", elements: [button("Ask again", ACTION.askAgain, { r: view.id }), abortButton(view)] },
    ];
  }
  const value = { r: view.id, s: request.stepId, f: request.fingerprint };
  return [
    section(details),
    context(`${who} Expires ${slackDate(request.expiresAt)}.`),
    {
      type: "actions",
      block_id: `approval:${request.stepId}`,
      elements: [
        button("Approve", ACTION.approve, value, "primary"),
        button("Reject", ACTION.reject, value, "danger"),
        abortButton(view),
      ],
    },
  ];
}

function inputBlocks(view: RunView): Block[] {
  const input = view.input!;
  return [
    section(`*${escapeText(input.prompt)}*`),
    {
      type: "actions",
      block_id: `input:${input.stepId}`,
      // Block Kit allows 25 elements in one actions block.
      elements: input.options
        .slice(0, 25)
        .map((option, index) =>
          button(option.label, `${ACTION.inputPrefix}${index}`, { r: view.id, s: input.stepId, o: option.id }),
        ),
    },
    // Its own block: the choices may fill the 25 elements one block holds.
    { type: "actions", block_id: `abort:${input.stepId}`, elements: [abortButton(view)] },
  ];
}

function outcomeBlocks(view: RunView): Block[] {
  const blocks: Block[] = [];
  if (view.outcome) {
    const next = view.outcome.nextSteps.map((step) => `• ${escapeText(step)}`).join("\n");
    blocks.push(section(`*${escapeText(view.outcome.summary)}*${next ? `\n${next}` : ""}`));
  }
  if (view.status === "failed" && view.error) {
    const requestId = view.error.requestId ? ` (Azure request id ${code(view.error.requestId)})` : "";
    blocks.push(
      section(
        `:warning: *${escapeText(view.error.message)}*${requestId}\nRetry repeats the step; a change first checks whether it already happened.`,
      ),
    );
    // A crash of the runbook itself cannot be retried; only Azure errors can.
    if (view.error.cause !== "internal") {
      blocks.push({
        type: "actions",
        elements: [button("Retry", ACTION.retry, { r: view.id }, "primary"), abortButton(view)],
      });
    }
  }
  if (view.rollback.length > 0 && view.status !== "succeeded") {
    blocks.push(
      section(
        `*To undo the changes made so far* (in this order, newest change first):\n${codeBlock(undoOrder(view).join("\n"))}`,
      ),
    );
  }
  return blocks;
}

export function runMessageText(view: RunView): string {
  const target = `${targetPath(view.target)}`;
  return `acr-cmk ${view.runbook} on ${target}: ${STATUS_TEXT[view.status].replace(/^:[a-z0-9_]+: /, "")}`;
}

export function renderRunMessage(view: RunView, options: RunMessageOptions): SlackMessage {
  const target = `${targetPath(view.target)}`;
  const blocks: Block[] = [
    header(`${view.runbook} · ${target}`),
    context(
      `${STATUS_TEXT[view.status]}${view.busy ? " (Azure call in flight)" : ""} · requested by ${person(view.requester)} · run ${code(view.id)}`,
    ),
    section(checklist(view.steps)),
  ];
  const current = view.steps.find((step) => step.id === view.currentStepId);
  if (current && current.kind !== "final" && view.status !== "succeeded") {
    const az = current.az ? `\n${code(current.az)}` : "";
    blocks.push(section(`*Now: ${escapeText(current.title)}*\n${escapeText(current.why)}${az}`));
  }
  const evidence = evidenceOf(view);
  if (evidence) {
    const lines = evidence.lines.slice(-MAX_EVIDENCE_LINES).map((line) => `• ${escapeText(line)}`);
    blocks.push(context(`Evidence (${escapeText(evidence.step.title)}):\n${lines.join("\n")}`));
  }
  if (view.status === "awaiting-approval" && view.approval) blocks.push(...approvalBlocks(view, options));
  if (view.status === "awaiting-input" && view.input) blocks.push(...inputBlocks(view));
  blocks.push(...outcomeBlocks(view));
  return { text: runMessageText(view), blocks };
}
