// Home for one ACI container group: what is wrong with its key, and either the run that repairs the key (key-deleted
// or restore, on the group itself, approved like any run) or, when only a redeploy helps, the az container create
// command. A group's encryption is fixed when it is deployed:
// https://learn.microsoft.com/azure/container-instances/container-instances-encrypt-data
import { useCallback, useEffect, useState } from "react";
import { Box, Text, useInput, useWindowSize } from "ink";
import type { RunbookId } from "../../diagnosis/types.js";
import type { RunSummary } from "../../runs/types.js";
import { BusyLine } from "../components/BusyLine.js";
import { FailedPanel } from "../components/FailedPanel.js";
import { FindingList } from "../components/FindingList.js";
import { HeaderBar } from "../components/HeaderBar.js";
import { KeyHints, REPORT_HINTS } from "../components/KeyHints.js";
import { SelectList, type SelectItem } from "../components/SelectList.js";
import { inSubscription, isFinal, statusWords } from "../format.js";
import { useStored } from "../hooks/use-stored.js";
import { resumeOptions, useSession, useShell } from "../session.js";
import { useTheme } from "../theme.js";
import type { GroupChoice, TuiGroupDiagnosis } from "../types.js";

type Phase =
  | { name: "diagnosing"; since: number }
  | { name: "report"; report: TuiGroupDiagnosis }
  | { name: "starting"; report: TuiGroupDiagnosis; label: string; since: number }
  | { name: "failed"; message: string };

/** Header, verdict, blank line, key hints, a spare row. */
const CHROME_ROWS = 5;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isGroupRun(run: RunSummary, group: GroupChoice, subscriptionId: string): boolean {
  return (
    inSubscription(run, subscriptionId) &&
    run.target.resourceGroup.toLowerCase() === group.resourceGroup.toLowerCase() &&
    run.target.containerGroup?.toLowerCase() === group.containerGroup.toLowerCase()
  );
}

export function GroupHome({
  group,
  onBack,
  reserveRows = 0,
}: {
  group: GroupChoice;
  /** Back to the list of registries and container groups. */
  onBack: () => void;
  reserveRows?: number;
}) {
  const session = useSession();
  const shell = useShell();
  const theme = useTheme();
  const { rows, columns } = useWindowSize();
  const [phase, setPhase] = useState<Phase>({ name: "diagnosing", since: Date.now() });
  const [notice, setNotice] = useState<string | undefined>();
  const label = `container group ${group.resourceGroup}/${group.containerGroup}`;
  // Read again whenever the screen moves on (a run started or ended meanwhile).
  const stored = useStored(() => session.engine.list(), [session.engine, phase.name]);

  const diagnose = useCallback(() => {
    setNotice(undefined);
    setPhase({ name: "diagnosing", since: Date.now() });
    const diagnoseGroup = session.diagnoseContainerGroup;
    if (!diagnoseGroup) {
      setPhase({ name: "failed", message: "This connection cannot diagnose container groups." });
      return;
    }
    diagnoseGroup(group.id).then(
      (report) => setPhase({ name: "report", report }),
      (error: unknown) => setPhase({ name: "failed", message: `Diagnosis failed: ${messageOf(error)}` }),
    );
  }, [session, group.id]);

  useEffect(() => diagnose(), []);

  const start = (report: TuiGroupDiagnosis, runbook: RunbookId) => {
    setPhase({ name: "starting", report, label: `Starting ${runbook}…`, since: Date.now() });
    session.engine
      .start({
        runbook,
        target: {
          subscriptionId: session.subscriptionId,
          resourceGroup: group.resourceGroup,
          containerGroup: group.containerGroup,
        },
        requester: session.requester,
        driver: "tui",
        selfApprove: session.selfApprove,
        hints: report.hints,
      })
      .then(
        (view) => shell.go({ name: "run", runId: view.id }),
        (error: unknown) => {
          const held = (error as { reason?: unknown }).reason === "locked" ? " (here: R opens the runs list)" : "";
          setNotice(`Could not start ${runbook}: ${messageOf(error)}${held}`);
          setPhase({ name: "report", report });
        },
      );
  };

  const resume = (report: TuiGroupDiagnosis, run: RunSummary) => {
    setPhase({ name: "starting", report, label: `Resuming ${run.id}…`, since: Date.now() });
    session.engine.resume(run.id, session.requester, resumeOptions(session, run.requester)).then(
      (view) => shell.go({ name: "run", runId: view.id }),
      (error: unknown) => {
        setNotice(`Could not resume ${run.id}: ${messageOf(error)}`);
        setPhase({ name: "report", report });
      },
    );
  };

  useInput(
    (input, key) => {
      if (key.return || input === "d") diagnose();
    },
    { isActive: phase.name === "failed" && !shell.paused },
  );

  const header = <HeaderBar title="home" detail={label} />;
  if (phase.name === "diagnosing" || phase.name === "starting") {
    return (
      <Box flexDirection="column">
        {header}
        <BusyLine
          label={phase.name === "starting" ? phase.label : `Diagnosing ${label} (its key, vault, identity, access)`}
          since={phase.since}
        />
      </Box>
    );
  }
  if (phase.name === "failed") return <FailedPanel header={header} message={phase.message} />;

  const { report } = phase;
  const active = (stored.value ?? []).find((run) => isGroupRun(run, group, session.subscriptionId) && !isFinal(run));
  const items: SelectItem[] = [];
  if (active)
    items.push({ key: "resume", label: `Resume run ${active.id} (${active.runbook}, ${statusWords(active.status)})` });
  if (report.runbook && !active)
    items.push({ key: "recommended", label: `Start recovery: ${report.runbook}`, hint: "repairs the group's key" });
  items.push({ key: "again", label: "Diagnose again" });
  items.push({ key: "list", label: "Choose another registry or container group" });
  items.push({ key: "runs", label: "Runs: list, resume, audit trail" });
  items.push({ key: "quit", label: "Quit" });
  const redeploy = report.redeploy
    ? [
        `Redeploy with: ${report.redeploy.command}`,
        `(${session.invocation} diagnose --id ${group.id} prints the ${group.containerGroup}.yaml to redeploy it with)`,
      ]
    : [];
  const shared = report.sharedWith.length ? 1 : 0;
  const findingRows = rows - reserveRows - CHROME_ROWS - items.length - (notice ? 2 : 0) - redeploy.length * 2 - shared;
  return (
    <Box flexDirection="column">
      {header}
      <Text bold color={theme.tone(report.healthy ? "success" : "danger")} wrap="truncate-end">
        {report.healthy ? "✔ Healthy" : "✖ Not healthy"}: {label} · {report.findings.length} finding
        {report.findings.length === 1 ? "" : "s"}
      </Text>
      <FindingList
        findings={report.findings}
        width={columns}
        maxRows={Math.max(3, findingRows)}
        subject="the container group"
      />
      {redeploy.map((line) => (
        <Text key={line} wrap="wrap" color={theme.tone("warning")}>
          {line}
        </Text>
      ))}
      {shared ? (
        <Text dimColor wrap="truncate-end">
          {report.sharedWith.length === 1
            ? "1 other resource reads"
            : `${report.sharedWith.length} other resources read`}{" "}
          the same key
        </Text>
      ) : null}
      <Text> </Text>
      <SelectList
        items={items}
        onChoose={(item) => {
          if (item.key === "resume" && active) resume(report, active);
          else if (item.key === "recommended" && report.runbook) start(report, report.runbook);
          else if (item.key === "again") diagnose();
          else if (item.key === "list") onBack();
          else if (item.key === "runs") shell.go({ name: "runs" });
          else if (item.key === "quit") shell.leave();
        }}
      />
      {notice ? (
        <Text wrap="wrap" color={theme.tone("danger")}>
          {notice}
        </Text>
      ) : null}
      <KeyHints hints={REPORT_HINTS} />
    </Box>
  );
}
