// One run, live: the checklist, the step in focus or the change awaiting approval, Azure calls in flight, the log.
// Every key here becomes one RunEngine call; the screen holds no runbook logic.
import { useEffect, useState } from "react";
import { Box, Text, useInput, useWindowSize } from "ink";
import { ApprovalPrompt, needsTypedConfirmation } from "../components/ApprovalPrompt.js";
import { BusyLine } from "../components/BusyLine.js";
import { HeaderBar } from "../components/HeaderBar.js";
import { InputChoice } from "../components/InputChoice.js";
import { KeyHints, type KeyHint } from "../components/KeyHints.js";
import { LogPane } from "../components/LogPane.js";
import { ReasonPrompt } from "../components/ReasonPrompt.js";
import { RunChecklist } from "../components/RunChecklist.js";
import { RunOutcome } from "../components/RunOutcome.js";
import { StepDetail } from "../components/StepDetail.js";
import { isFinal, resumeCommand, statusWords, targetLabel } from "../format.js";
import { useRun } from "../hooks/use-run.js";
import { useSince } from "../hooks/use-since.js";
import { useSession, useShell, useTypingCapture } from "../session.js";
import { statusTone, useTheme } from "../theme.js";

type Mode = "idle" | "confirm" | "reject" | "abort";

/** Rows the fixed parts take: header, status line, message, log title + lines, keys, and one spare so a frame never fills the last row (the terminal would scroll). */
const CHROME_ROWS = 9;
const LOG_ROWS = 3;

export function RunScreen({ runId, reserveRows = 0 }: { runId: string; reserveRows?: number }) {
  const session = useSession();
  const shell = useShell();
  const theme = useTheme();
  const { rows, columns } = useWindowSize();
  const { view, pending, error, act, clearError } = useRun(session.engine, runId);
  const [mode, setMode] = useState<Mode>("idle");
  const [message, setMessage] = useState<string | undefined>();
  useTypingCapture(mode !== "idle");

  const approval = view?.approval;
  const approvalKey = approval ? `${approval.stepId}:${approval.fingerprint}` : undefined;
  // A new or vanished approval (approved elsewhere, expired) closes a half-typed confirmation.
  useEffect(() => {
    setMode((current) => (current === "confirm" || current === "reject" ? "idle" : current));
    setMessage(undefined);
  }, [approvalKey]);

  const final = view ? isFinal(view) : false;
  const busy = Boolean(view?.busy) || pending;
  const busySince = useSince(busy);

  const approve = (confirmation?: string) => {
    if (!view?.approval) return;
    const { fingerprint } = view.approval;
    void act((engine) => engine.approve(runId, session.requester, { fingerprint, confirmation })).then((ok) => {
      if (ok) setMode("idle");
    });
  };

  useInput(
    (input, key) => {
      if (!view) return;
      setMessage(undefined);
      clearError();
      if (input === "a") {
        if (!view.approval) return setMessage("Nothing to approve right now.");
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
      if (key.return && final) shell.back();
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
          No run {runId} in this session. Open it with: {resumeCommand(runId)}
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

  const bodyRows = Math.max(6, rows - CHROME_ROWS - reserveRows);
  const current =
    view.steps.find((step) => step.id === view.currentStepId) ?? view.steps.find((s) => s.status === "current");
  const position = current ? view.steps.indexOf(current) + 1 : view.steps.filter((s) => s.status === "done").length;
  const checklistWidth = Math.min(32, Math.floor(columns * 0.4));

  const onConfirm = (typed: string) => {
    if (typed.trim() !== view.target.registry) {
      setMessage(`"${typed.trim()}" is not the registry name. Type ${view.target.registry} exactly, or Esc to cancel.`);
      return;
    }
    approve(typed.trim());
  };
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
    body = <RunOutcome view={view} maxRows={bodyRows} />;
  } else if (view.approval && mode !== "abort") {
    body = (
      <Box flexDirection="column">
        <Text dimColor wrap="truncate-end">
          Step {position} of {view.steps.length} · {current?.why ?? view.approval.title}
        </Text>
        {mode === "reject" ? (
          <ReasonPrompt action="reject" onSubmit={onReason} message={message} />
        ) : (
          <ApprovalPrompt
            approval={view.approval}
            registry={view.target.registry}
            confirming={mode === "confirm"}
            onConfirm={onConfirm}
            message={message}
          />
        )}
      </Box>
    );
  } else {
    body = (
      <Box>
        <Box width={checklistWidth} marginRight={1} flexDirection="column">
          <RunChecklist steps={view.steps} maxRows={bodyRows} />
        </Box>
        <Box flexGrow={1} flexDirection="column">
          {mode === "abort" ? (
            <ReasonPrompt action="abort" onSubmit={onReason} message={message} />
          ) : view.input ? (
            <InputChoice
              request={view.input}
              isActive={mode === "idle" && !pending}
              onChoose={(value) => void act((engine) => engine.input(runId, session.requester, value))}
            />
          ) : current ? (
            <StepDetail step={current} maxEvidence={Math.max(1, bodyRows - 7)} />
          ) : null}
        </Box>
      </Box>
    );
  }

  const hints: KeyHint[] = final
    ? [
        { key: "Enter", label: shell.canGoHome ? "home" : "quit" },
        { key: "R", label: "runs" },
        { key: "q", label: "quit" },
      ]
    : [
        ...(view.approval
          ? [
              { key: "a", label: "approve" },
              { key: "r", label: "reject" },
            ]
          : []),
        ...(view.status === "failed" ? [{ key: "t", label: "retry" }] : []),
        { key: "x", label: "abort" },
        { key: "q", label: "leave (resumable)" },
        { key: "?", label: "help" },
      ];

  return (
    <Box flexDirection="column">
      <HeaderBar
        title={`${view.runbook} run ${view.id}`}
        detail={`${targetLabel(view.target)}${view.dryRun ? " · dry run" : ""}`}
      />
      <Box height={bodyRows} flexDirection="column" overflow="hidden">
        {body}
      </Box>
      {busy && busySince !== undefined ? (
        <BusyLine
          label={pending && !view.busy ? "Sending…" : `Calling Azure: ${current?.title ?? "working"}`}
          since={busySince}
        />
      ) : (
        <Text wrap="truncate-end" color={theme.tone(statusTone(view.status))}>
          ● {statusWords(view.status)}
        </Text>
      )}
      {error ? (
        <Text wrap="truncate-end" color={theme.tone("danger")}>
          ✖ {error}
        </Text>
      ) : message && mode === "idle" ? (
        <Text wrap="truncate-end" color={theme.tone("warning")}>
          {message}
        </Text>
      ) : (
        <Text> </Text>
      )}
      <Text dimColor>── log ──</Text>
      <LogPane log={view.log} rows={LOG_ROWS} />
      <KeyHints hints={hints} />
    </Box>
  );
}
