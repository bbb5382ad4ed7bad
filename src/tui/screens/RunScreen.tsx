// One run, live: the checklist, the step in focus or the change awaiting approval, Azure calls in flight, the log.
// Every key here becomes one RunEngine call; the screen holds no runbook logic.
import { useEffect, useState } from "react";
import { Box, Text, useInput, useWindowSize } from "ink";
import {
  ApprovalPrompt,
  approvalLayout,
  needsTypedConfirmation,
  type ApprovalPromptProps,
} from "../components/ApprovalPrompt.js";
import { BusyLine } from "../components/BusyLine.js";
import { HeaderBar } from "../components/HeaderBar.js";
import { InputChoice } from "../components/InputChoice.js";
import { KeyHints, type KeyHint } from "../components/KeyHints.js";
import { LogPane } from "../components/LogPane.js";
import { ReasonPrompt } from "../components/ReasonPrompt.js";
import { RowList } from "../components/RowList.js";
import { RunChecklist, checklistRows } from "../components/RunChecklist.js";
import { RunOutcome } from "../components/RunOutcome.js";
import { StepDetail } from "../components/StepDetail.js";
import { isFinal, resumeCommand, statusWords, targetLabel } from "../format.js";
import { useRun } from "../hooks/use-run.js";
import { useScroll } from "../hooks/use-scroll.js";
import { useSince } from "../hooks/use-since.js";
import { capRows, paragraphRows } from "../rows.js";
import { useSession, useShell, useTypingCapture } from "../session.js";
import { statusTone, useTheme } from "../theme.js";
import { isContainerGroupTarget, targetKind, targetName, targetResourceId } from "../../machines/target.js";

type Mode = "idle" | "confirm" | "reject" | "abort";

/**
 * Rows every state of the screen takes: header, keys, and one spare so a frame never fills the last row (the terminal
 * would scroll). The status line counts apart: an approval takes its row when there is nothing to report.
 */
const CHROME_ROWS = 3;
/** The log pane: its title and lines. Folded away while an approval or the outcome needs the room. */
const LOG_ROWS = 3;
/** Steps shown around the current one above an approval. */
const APPROVAL_CHECKLIST_ROWS = 7;
/** An error takes at most this many rows of the status line. */
const ERROR_ROWS = 3;

/** The engine said this person may not approve: the prompt turns into how to hand the run over. */
const HANDOVER_REFUSALS = new Set(["self-approval", "not-approver"]);

export function RunScreen({ runId, reserveRows = 0 }: { runId: string; reserveRows?: number }) {
  const session = useSession();
  const shell = useShell();
  const theme = useTheme();
  const { rows, columns } = useWindowSize();
  const { view, pending, error, refusal, act, clearError } = useRun(session.engine, runId);
  const [chosenMode, setMode] = useState<Mode>("idle");
  // A run that has ended takes no reason or confirmation: a prompt left open by the answer that ended it (reject,
  // abort) must not swallow the next key, so q and Enter work on the outcome at once.
  const mode: Mode = view && isFinal(view) ? "idle" : chosenMode;
  const [message, setMessage] = useState<string | undefined>();
  // The engine's refusal of this person's approval, kept for the request it refused.
  const [refused, setRefused] = useState<{ key: string; message: string } | undefined>();
  useTypingCapture(mode !== "idle");

  const approval = view?.approval;
  const approvalKey = approval ? `${approval.stepId}:${approval.fingerprint}` : undefined;
  // A new or vanished approval (approved elsewhere, expired) closes a half-typed confirmation.
  useEffect(() => {
    setMode((current) => (current === "confirm" || current === "reject" ? "idle" : current));
    setMessage(undefined);
  }, [approvalKey]);
  useEffect(() => {
    if (!refusal || !approvalKey || !error) return;
    if (HANDOVER_REFUSALS.has(refusal)) {
      // Not an approver here: say so in the prompt, with who is, instead of asking again (or for the registry name).
      setRefused({ key: approvalKey, message: error });
      setMode("idle");
      clearError();
    } else if (refusal === "expired") {
      // The request outlived its expiry: the engine asks again (fresh state, fresh expiry) for the person to review.
      setMode("idle");
      clearError();
      void act((engine) => engine.resume(runId, session.requester)).then((ok) => {
        if (ok) setMessage("That request had expired; it is asked again. Review it, then press a.");
      });
    }
  }, [refusal, error, approvalKey, clearError, act, runId, session.requester]);

  const final = view ? isFinal(view) : false;
  const busy = Boolean(view?.busy) || pending;
  const busySince = useSince(busy);
  // The terminal's policy (the same one the engine was given) does not let this requester approve their own change.
  const selfBlocked = Boolean(approval && !session.selfApprove && approval.requester === session.requester);
  const refusedHere = refused && refused.key === approvalKey ? refused : undefined;
  const handover =
    approval && (selfBlocked || refusedHere)
      ? {
          ...(refusedHere ? { refusal: refusedHere.message } : {}),
          approvers: session.approvers,
          resume: resumeCommand(runId, session.invocation),
        }
      : undefined;

  // Rows: the body gets what the header, status line, keys and (while nothing needs its room) the log leave over.
  const approvalOnScreen = Boolean(approval) && !final && mode !== "abort" && mode !== "reject";
  const showLog = !final && !approvalOnScreen;
  // An error wraps (it says what to do); everything else on the status line is one row, and while an approval is on
  // screen with nothing to report the line gives its row to the approval.
  const errorRows = error ? capRows(paragraphRows(`✖ ${error}`, columns, { tone: "danger" }), ERROR_ROWS) : [];
  const statusNeeded = errorRows.length > 0 || (message !== undefined && mode === "idle") || busy || !approvalOnScreen;
  const bodyRows = Math.max(
    4,
    rows -
      reserveRows -
      CHROME_ROWS -
      (statusNeeded ? Math.max(1, errorRows.length) : 0) -
      (showLog ? LOG_ROWS + 1 : 0),
  );
  const scrollKeysActive = mode === "idle" && !shell.paused;

  const approve = (confirmation?: string) => {
    if (!view?.approval) return;
    const { fingerprint } = view.approval;
    void act((engine) => engine.approve(runId, session.requester, { fingerprint, confirmation })).then((ok) => {
      if (ok) setMode("idle");
    });
  };
  const onConfirm = (typed: string) => {
    if (!view) return;
    // A revoke that cuts off a shared key's other users asks for their number instead of the registry name.
    const expected = view.approval?.confirmText ?? targetName(view.target);
    if (typed.trim() !== expected) {
      const what =
        view.approval?.confirmText !== undefined
          ? "the number of resources affected"
          : `the ${targetKind(view.target)} name`;
      setMessage(`"${typed.trim()}" is not ${what}. Type ${expected} exactly, or Esc to cancel.`);
      return;
    }
    approve(typed.trim());
  };

  const prompt: ApprovalPromptProps | undefined =
    view && approval && approvalOnScreen
      ? {
          approval,
          registry: targetName(view.target),
          kind: targetKind(view.target),
          approver: session.requester,
          why: view.steps.find((step) => step.id === approval.stepId)?.why,
          ...(view.incident?.undoes ? { undoes: view.incident.undoes.summary } : {}),
          confirming: mode === "confirm",
          onConfirm,
          message: mode === "confirm" ? message : undefined,
          handover,
          width: columns,
          maxRows: bodyRows,
        }
      : undefined;
  const layout = prompt ? approvalLayout(prompt) : undefined;
  const approvalScroll = useScroll(layout?.body.length ?? 0, layout?.bodyRoom ?? 1, scrollKeysActive, approvalKey);
  // What you approve is what runs: an approval taller than the screen is read to its end before `a` counts.
  const unread = layout ? layout.body.length - approvalScroll.end : 0;

  useInput(
    (input, key) => {
      if (!view) return;
      setMessage(undefined);
      clearError();
      if (input === "a") {
        if (!view.approval) return setMessage("Nothing to approve right now.");
        if (refusedHere) return setMessage("Not yours to approve: hand the run over as the box says, or r to reject.");
        if (unread > 0) return setMessage(`Read the whole change first: ${unread} more row(s) below (j or ↓).`);
        // Asking for the registry name first would only lead to the same refusal: the engine answers at once.
        if (selfBlocked) return approve();
        if (needsTypedConfirmation(view.approval)) return setMode("confirm");
        return approve();
      }
      if (input === "r") {
        if (!view.approval) return setMessage("Nothing to reject right now.");
        return setMode("reject");
      }
      if (input === "x" && !final) return setMode("abort");
      if (input === "t" && view.status === "failed") {
        void act((engine) => engine.retry(runId, session.requester));
        return;
      }
      // Home diagnoses this registry again: with several causes, the next fix is what the engineer needs to see.
      if (key.return && final) {
        // Home diagnoses the run's registry or container group afresh: the next fix, if any.
        if (!shell.canGoHome) shell.back();
        else if (!isContainerGroupTarget(view.target)) shell.go({ name: "home", target: view.target });
        else {
          const { resourceGroup, containerGroup } = view.target;
          shell.go({ name: "home", group: { resourceGroup, containerGroup, id: targetResourceId(view.target) } });
        }
      }
    },
    { isActive: mode === "idle" && !shell.paused },
  );
  useInput(
    (_input, key) => {
      if (key.escape) {
        setMode("idle");
        setMessage(undefined);
      }
    },
    { isActive: mode !== "idle" },
  );

  if (!view) {
    return (
      <Box flexDirection="column">
        <HeaderBar title="run" detail={runId} />
        <Text color={theme.tone("danger")}>
          No run {runId} in this session. Open it with: {resumeCommand(runId, session.invocation)}
        </Text>
        <KeyHints
          hints={[
            { key: "R", label: "runs" },
            { key: "q", label: "quit" },
          ]}
        />
      </Box>
    );
  }

  const current =
    view.steps.find((step) => step.id === view.currentStepId) ?? view.steps.find((s) => s.status === "current");
  const position = current ? view.steps.indexOf(current) + 1 : view.steps.filter((s) => s.status === "done").length;
  const checklistWidth = Math.min(32, Math.floor(columns * 0.4));

  const onReason = (reason: string) => {
    const text = reason.trim();
    if (text.length === 0) return setMessage("A reason is needed: it goes to the audit log.");
    const call =
      mode === "reject"
        ? act((engine) => engine.reject(runId, session.requester, text))
        : act((engine) => engine.abort(runId, session.requester, text));
    void call.then((ok) => {
      if (ok) setMode("idle");
    });
  };

  let body;
  if (final) {
    body = (
      <RunOutcome
        view={view}
        width={columns}
        height={bodyRows}
        checklistWidth={checklistWidth}
        isActive={scrollKeysActive}
      />
    );
  } else if (view.approval && mode === "reject") {
    body = (
      <Box flexDirection="column">
        <Text dimColor wrap="truncate-end">
          Step {position} of {view.steps.length} · {view.approval.title}
        </Text>
        <ReasonPrompt action="reject" onSubmit={onReason} message={message} />
      </Box>
    );
  } else if (prompt && layout) {
    // The prompt takes what it needs; the rows above it show where the run stands.
    const above = bodyRows - layout.height;
    const around = above >= 2 ? checklistRows(view.steps, Math.min(APPROVAL_CHECKLIST_ROWS, above - 1), false) : [];
    body = (
      <Box flexDirection="column">
        {above >= 1 ? (
          <Text dimColor wrap="truncate-end">
            Step {position} of {view.steps.length}
          </Text>
        ) : null}
        <RowList rows={around} />
        <ApprovalPrompt {...prompt} scroll={approvalScroll} />
      </Box>
    );
  } else {
    body = (
      <Box>
        <Box width={checklistWidth} marginRight={1} flexDirection="column" flexShrink={0}>
          <RunChecklist steps={view.steps} maxRows={bodyRows} />
        </Box>
        <Box flexGrow={1} flexDirection="column">
          {mode === "abort" ? (
            <ReasonPrompt action="abort" onSubmit={onReason} message={message} />
          ) : view.input ? (
            <>
              {current?.why ? (
                <RowList rows={capRows(paragraphRows(current.why, columns - checklistWidth - 1), 4)} />
              ) : null}
              <InputChoice
                request={view.input}
                isActive={mode === "idle" && !pending}
                onChoose={(value) => void act((engine) => engine.input(runId, session.requester, value))}
              />
            </>
          ) : current ? (
            <StepDetail step={current} width={columns - checklistWidth - 1} maxRows={bodyRows} />
          ) : null}
        </Box>
      </Box>
    );
  }

  const hints: KeyHint[] =
    mode !== "idle"
      ? [
          { key: "Enter", label: mode === "confirm" ? "approve" : "send the reason" },
          { key: "Esc", label: "cancel" },
          { key: "Ctrl-C", label: "leave (resumable)" },
        ]
      : final
        ? [
            ...(view.status === "failed" ? [{ key: "t", label: "retry the step" }] : []),
            ...(shell.canGoHome
              ? [
                  { key: "Enter", label: "home" },
                  { key: "R", label: "runs" },
                  { key: "q", label: "quit" },
                ]
              : [
                  { key: "Enter/q", label: "quit" },
                  { key: "R", label: "runs" },
                ]),
          ]
        : [
            ...(view.input ? [{ key: "↑↓ Enter", label: "choose" }] : []),
            ...(view.approval && !handover ? [{ key: "a", label: "approve" }] : []),
            ...(view.approval ? [{ key: "r", label: "reject" }] : []),
            { key: "x", label: "abort" },
            { key: "q", label: "leave (resumable)" },
            { key: "?", label: "help" },
          ];

  let statusLine = null;
  if (errorRows.length > 0) statusLine = <RowList rows={errorRows} />;
  else if (message && mode === "idle")
    statusLine = (
      <Text wrap="truncate-end" color={theme.tone("warning")}>
        {message}
      </Text>
    );
  else if (busy && busySince !== undefined)
    statusLine = (
      <BusyLine
        label={pending && !view.busy ? "Sending…" : `Calling Azure: ${current?.title ?? "working"}`}
        since={busySince}
      />
    );
  else if (statusNeeded)
    statusLine = (
      <Text wrap="truncate-end" color={theme.tone(statusTone(view.status))}>
        ● {statusWords(view.status)}
      </Text>
    );

  return (
    <Box flexDirection="column">
      <HeaderBar
        title={`${view.runbook} run ${view.id}`}
        detail={`${targetLabel(view.target)}${view.dryRun ? " · dry run" : ""}`}
      />
      <Box height={bodyRows} flexDirection="column" overflow="hidden">
        {body}
      </Box>
      {statusLine}
      {showLog ? (
        <>
          <Text dimColor>── log ──</Text>
          <LogPane log={view.log} rows={LOG_ROWS} />
        </>
      ) : null}
      <KeyHints hints={hints} />
    </Box>
  );
}
