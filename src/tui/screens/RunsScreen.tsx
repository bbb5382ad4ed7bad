// Runs: every run this home knows, resume the unfinished ones, read a run's audit trail.
import { useState } from "react";
import { Box, Text, useInput, useWindowSize } from "ink";
import type { AuditEntry, RunSummary } from "../../runs/types.js";
import { BusyLine } from "../components/BusyLine.js";
import { HeaderBar } from "../components/HeaderBar.js";
import { KeyHints } from "../components/KeyHints.js";
import { SelectList } from "../components/SelectList.js";
import { inSubscription, isFinal, statusWords, targetLabel } from "../format.js";
import { useStored } from "../hooks/use-stored.js";
import { resumeOptions, useSession, useShell } from "../session.js";
import { statusTone, useTheme } from "../theme.js";

function newestFirst(runs: RunSummary[]): RunSummary[] {
  return [...runs].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}

function auditLine(entry: AuditEntry): string {
  const time = entry.at.replace("T", " ").replace(/\.\d+Z$/, "Z");
  return `#${entry.seq} ${time} ${entry.actor}: ${entry.action} → ${entry.outcome}`;
}

/** Rows besides the list: header, title, blank, message, keys. */
const CHROME_ROWS = 5;

export function RunsScreen({ reserveRows = 0 }: { reserveRows?: number }) {
  const session = useSession();
  const shell = useShell();
  const theme = useTheme();
  const { rows } = useWindowSize();
  const listed = useStored(() => session.engine.list(), [session.engine]);
  const runs = newestFirst(listed.value ?? []);
  const [openId, setOpenId] = useState<string | undefined>();
  const audit = useStored(
    () => (openId === undefined ? Promise.resolve([]) : session.engine.auditTrail(openId)),
    [session.engine, openId],
  );
  const [resuming, setResuming] = useState<{ id: string; since: number } | undefined>();
  const [message, setMessage] = useState<string | undefined>();
  const open = runs.find((run) => run.id === openId);

  const resume = (run: RunSummary) => {
    // The engine acts through this session's subscription: a run of another one would act on the wrong resources.
    if (!inSubscription(run, session.subscriptionId)) {
      const how = session.chooseSubscription
        ? "choose that subscription (Esc, then s) and resume it there"
        : `resume it with --subscription ${run.target.subscriptionId}`;
      setMessage(`Run ${run.id} is in subscription ${run.target.subscriptionId}: ${how}.`);
      return;
    }
    setMessage(undefined);
    setResuming({ id: run.id, since: Date.now() });
    session.engine.resume(run.id, session.requester, resumeOptions(session, run.requester)).then(
      (view) => shell.go({ name: "run", runId: view.id }),
      (error: unknown) => {
        setResuming(undefined);
        setMessage(`Could not resume ${run.id}: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
  };

  useInput(
    (input, key) => {
      if (!open) return;
      if (key.escape) setOpenId(undefined);
      else if ((input === "o" || key.return) && !isFinal(open)) resume(open);
    },
    { isActive: open !== undefined && resuming === undefined && !shell.paused },
  );
  useInput(
    (_input, key) => {
      if (key.escape) shell.back();
    },
    { isActive: open === undefined && resuming === undefined && !shell.paused },
  );

  const listRows = Math.max(3, rows - reserveRows - CHROME_ROWS);
  const problem = message ?? listed.error ?? audit.error;
  const messageLine = problem ? (
    <Text wrap="wrap" color={theme.tone("danger")}>
      {problem}
    </Text>
  ) : null;

  if (resuming) {
    return (
      <Box flexDirection="column">
        <HeaderBar title="runs" />
        <BusyLine label={`Resuming ${resuming.id}`} since={resuming.since} />
      </Box>
    );
  }

  if (open) {
    const trail = audit.value ?? [];
    const shown = trail.slice(-Math.max(1, listRows - 3));
    return (
      <Box flexDirection="column">
        <HeaderBar title={`run ${open.id}`} detail={`${open.runbook} · ${targetLabel(open.target)}`} />
        <Text wrap="truncate-end">
          <Text color={theme.tone(statusTone(open.status))}>● {statusWords(open.status)}</Text> · requested by{" "}
          {open.requester} · started {open.startedAt}
        </Text>
        <Text dimColor>
          Audit trail ({trail.length} entr{trail.length === 1 ? "y" : "ies"}
          {shown.length < trail.length ? `, last ${shown.length}` : ""}):
        </Text>
        {shown.length === 0 ? <Text dimColor>No audit entries for this run.</Text> : null}
        {shown.map((entry) => (
          <Text key={entry.seq} wrap="truncate-end">
            {auditLine(entry)}
          </Text>
        ))}
        {messageLine}
        <KeyHints
          hints={[
            ...(isFinal(open) ? [] : [{ key: "Enter", label: "resume" }]),
            { key: "Esc", label: "back" },
            { key: "q", label: "quit" },
          ]}
        />
      </Box>
    );
  }

  return (
    <Box flexDirection="column">
      <HeaderBar title="runs" detail={`${runs.length} run${runs.length === 1 ? "" : "s"}`} />
      {listed.value === undefined && listed.error === undefined ? (
        <Text dimColor>Reading the runs…</Text>
      ) : runs.length === 0 ? (
        <Text>No runs yet. Start one from home (Esc).</Text>
      ) : (
        <Text>Choose a run to see its audit trail:</Text>
      )}
      <SelectList
        items={runs.map((run) => ({
          key: run.id,
          label: `${run.id}  ${run.runbook}  ${targetLabel(run.target)}`,
          hint: statusWords(run.status),
        }))}
        maxRows={listRows}
        onChoose={(item) => setOpenId(item.key)}
      />
      {messageLine}
      <KeyHints
        hints={[
          { key: "Enter", label: "open" },
          { key: "Esc", label: "back" },
          { key: "q", label: "quit" },
        ]}
      />
    </Box>
  );
}
