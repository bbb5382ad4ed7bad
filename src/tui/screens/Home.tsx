// Home: which registry (or container group), what is wrong with it and why, and the runbook that fixes it — one Enter
// away. A container group opens its own home (GroupHome): its fix is its key's, or a redeploy.
import { useCallback, useEffect, useState } from "react";
import { useFleetHealth } from "../hooks/use-fleet-health.js";
import { Box, Text, useInput, useWindowSize } from "ink";
import { impactLine, impactOf } from "../../diagnosis/impact.js";
import { incidentFor } from "../../diagnosis/timeline/incident.js";
import type { RunbookId } from "../../diagnosis/types.js";
import { RUNBOOK_IDS } from "../../runbooks/catalogue.js";
import type { RunSummary } from "../../runs/types.js";
import { BusyLine } from "../components/BusyLine.js";
import { FailedPanel } from "../components/FailedPanel.js";
import { FindingList } from "../components/FindingList.js";
import { HeaderBar } from "../components/HeaderBar.js";
import { KeyHints, REPORT_HINTS } from "../components/KeyHints.js";
import { SelectList, type SelectItem } from "../components/SelectList.js";
import { TimelinePanel, timelineHeight } from "../components/TimelinePanel.js";
import {
  inSubscription,
  isFinal,
  recommendedRunbook,
  statusWords,
  subscriptionDetail,
  targetLabel,
} from "../format.js";
import { useStored } from "../hooks/use-stored.js";
import { resumeOptions, useSession, useShell } from "../session.js";
import { useTheme } from "../theme.js";
import type { GroupChoice, RegistryChoice, RegistryTarget, TuiDiagnosis } from "../types.js";
import { GroupHome } from "./GroupHome.js";
import { ResourceChooser } from "./ResourceChooser.js";

type Phase =
  | { name: "loading-registries"; since: number }
  | { name: "choose-registry"; registries: RegistryChoice[] }
  | { name: "diagnosing"; target: RegistryTarget; since: number }
  | { name: "report"; target: RegistryTarget; report: TuiDiagnosis }
  | { name: "choose-runbook"; target: RegistryTarget; report: TuiDiagnosis }
  | { name: "starting"; target: RegistryTarget; report: TuiDiagnosis; label: string; since: number }
  | { name: "failed"; message: string; target?: RegistryTarget }
  | { name: "group"; group: GroupChoice };

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sameTarget(run: RunSummary, target: RegistryTarget, subscriptionId: string): boolean {
  return (
    inSubscription(run, subscriptionId) &&
    run.target.resourceGroup === target.resourceGroup &&
    run.target.registry === target.registry
  );
}

/** Rows Home needs besides findings, the menu and a notice: header, verdict, blank line, keys, and a spare last row. */
const CHROME_ROWS = 5;
/** The diagnosis keeps at least this many rows for findings; the timeline panel takes at most MAX_TIMELINE_ROWS. */
const MIN_FINDING_ROWS = 6;
const MAX_TIMELINE_ROWS = 8;

export function Home({
  target,
  group,
  reserveRows = 0,
}: {
  target?: RegistryTarget;
  group?: GroupChoice;
  reserveRows?: number;
}) {
  const session = useSession();
  const shell = useShell();
  const theme = useTheme();
  const { rows, columns } = useWindowSize();
  const [phase, setPhase] = useState<Phase>(() =>
    group
      ? { name: "group", group }
      : target
        ? { name: "diagnosing", target, since: Date.now() }
        : { name: "loading-registries", since: Date.now() },
  );
  const [notice, setNotice] = useState<string | undefined>();
  // Read again whenever the screen moves on (a run started or ended meanwhile).
  const stored = useStored(() => session.engine.list(), [session.engine, phase.name]);
  const fleet = useFleetHealth(phase.name === "choose-registry");

  const diagnose = useCallback(
    (chosen: RegistryTarget) => {
      setNotice(undefined);
      setPhase({ name: "diagnosing", target: chosen, since: Date.now() });
      session.diagnose(chosen).then(
        (report) => setPhase({ name: "report", target: chosen, report }),
        (error: unknown) =>
          setPhase({ name: "failed", target: chosen, message: `Diagnosis failed: ${messageOf(error)}` }),
      );
    },
    [session],
  );

  const loadRegistries = useCallback(() => {
    setPhase({ name: "loading-registries", since: Date.now() });
    session.listRegistries().then(
      (registries) => setPhase({ name: "choose-registry", registries }),
      (error: unknown) => setPhase({ name: "failed", message: `Could not list registries: ${messageOf(error)}` }),
    );
  }, [session]);

  // Runs once: the first thing on screen is the diagnosis of the named registry or group, or the list.
  useEffect(() => {
    if (group) return;
    if (target) diagnose(target);
    else loadRegistries();
  }, []);

  const start = (chosen: RegistryTarget, report: TuiDiagnosis, runbook: RunbookId) => {
    setPhase({ name: "starting", target: chosen, report, label: `Starting ${runbook}…`, since: Date.now() });
    session.engine
      .start({
        runbook,
        target: {
          subscriptionId: session.subscriptionId,
          resourceGroup: chosen.resourceGroup,
          registry: chosen.registry,
        },
        requester: session.requester,
        driver: "tui",
        selfApprove: session.selfApprove,
        incident: incidentFor(report, runbook),
      })
      .then(
        (view) => shell.go({ name: "run", runId: view.id }),
        (error: unknown) => {
          // A registry held by another run: the runs screen is one key away, and its run screen aborts with x.
          const held = (error as { reason?: unknown }).reason === "locked" ? " (here: R opens the runs list)" : "";
          setNotice(`Could not start ${runbook}: ${messageOf(error)}${held}`);
          setPhase({ name: "report", target: chosen, report });
        },
      );
  };

  const resume = (chosen: RegistryTarget, report: TuiDiagnosis, run: RunSummary) => {
    const runId = run.id;
    setPhase({ name: "starting", target: chosen, report, label: `Resuming ${runId}…`, since: Date.now() });
    session.engine.resume(runId, session.requester, resumeOptions(session, run.requester)).then(
      (view) => shell.go({ name: "run", runId: view.id }),
      (error: unknown) => {
        setNotice(`Could not resume ${runId}: ${messageOf(error)}`);
        setPhase({ name: "report", target: chosen, report });
      },
    );
  };

  useInput(
    (_input, key) => {
      if (key.escape && phase.name === "choose-runbook") setPhase({ ...phase, name: "report" });
    },
    { isActive: phase.name === "choose-runbook" && !shell.paused },
  );
  useInput(
    (input, key) => {
      if (key.return || input === "d") {
        if (phase.name === "failed" && phase.target) diagnose(phase.target);
        else loadRegistries();
      }
    },
    { isActive: phase.name === "failed" && !shell.paused },
  );
  // From the registry list (or a failure to list them): back to the subscriptions, when they were chosen here.
  const { chooseSubscription } = session;
  const atRegistryList = phase.name === "choose-registry" || (phase.name === "failed" && !phase.target);
  useInput(
    (input) => {
      if (input === "s") chooseSubscription?.();
    },
    { isActive: atRegistryList && chooseSubscription !== undefined && !shell.paused },
  );
  const subscriptionHint = chooseSubscription ? [{ key: "s", label: "subscriptions" }] : [];

  const header = (
    <HeaderBar
      title="home"
      detail={"target" in phase && phase.target ? targetLabel(phase.target) : subscriptionDetail(session)}
    />
  );
  const noticeLine = notice ? (
    <Text wrap="wrap" color={theme.tone("danger")}>
      {notice}
    </Text>
  ) : null;

  switch (phase.name) {
    case "loading-registries":
      return (
        <Box flexDirection="column">
          {header}
          <BusyLine label="Listing container registries" since={phase.since} />
        </Box>
      );
    case "group":
      return <GroupHome group={phase.group} onBack={loadRegistries} reserveRows={reserveRows} />;
    case "choose-registry":
      return (
        <Box flexDirection="column">
          {header}
          <ResourceChooser
            registries={phase.registries}
            fleet={fleet}
            maxRows={rows - reserveRows - CHROME_ROWS}
            onRegistry={diagnose}
            onGroup={(chosen) => setPhase({ name: "group", group: chosen })}
          />
          <KeyHints
            hints={[
              { key: "Enter", label: "diagnose" },
              ...subscriptionHint,
              { key: "R", label: "runs" },
              { key: "q", label: "quit" },
              { key: "?", label: "help" },
            ]}
          />
        </Box>
      );
    case "diagnosing":
      return (
        <Box flexDirection="column">
          {header}
          <BusyLine
            label={`Diagnosing ${targetLabel(phase.target)} (registry, identity, vault, key, network)`}
            since={phase.since}
          />
        </Box>
      );
    case "failed":
      return <FailedPanel header={header} message={phase.message} hints={phase.target ? [] : subscriptionHint} />;
    case "starting":
      return (
        <Box flexDirection="column">
          {header}
          <BusyLine label={phase.label} since={phase.since} />
        </Box>
      );
    case "choose-runbook":
      return (
        <Box flexDirection="column">
          {header}
          <Text>Which runbook for {targetLabel(phase.target)}? (Esc: back)</Text>
          <SelectList
            items={RUNBOOK_IDS.map((id) => ({ key: id, label: id }))}
            onChoose={(item) => start(phase.target, phase.report, item.key as RunbookId)}
          />
        </Box>
      );
    case "report": {
      const { target: chosen, report } = phase;
      const recommended = recommendedRunbook(report.findings);
      const active = (stored.value ?? []).find(
        (run) => sameTarget(run, chosen, session.subscriptionId) && !isFinal(run),
      );
      const items: SelectItem[] = [];
      if (active)
        items.push({
          key: "resume",
          label: `Resume run ${active.id} (${active.runbook}, ${statusWords(active.status)})`,
        });
      if (recommended?.runbook && !active)
        items.push({
          key: "recommended",
          label: `Start recovery: ${recommended.runbook}`,
          hint: `fixes ${recommended.id}`,
        });
      items.push({ key: "other", label: "Start another runbook…" });
      items.push({ key: "again", label: "Diagnose again" });
      items.push({ key: "registry", label: "Choose another registry" });
      items.push({ key: "runs", label: "Runs: list, resume, audit trail" });
      items.push({ key: "quit", label: "Quit" });
      // The plain report's Impact line, from the same findings (TuiDiagnosis carries only those).
      const impact = impactOf(report.findings);
      const impactRows = impact ? 1 : 0;
      const spare = rows - reserveRows - CHROME_ROWS - items.length - (notice ? 2 : 0) - impactRows;
      // The findings come first; the timeline takes what is left above their minimum, up to its own bound.
      const timelineRoom = timelineHeight(report.timeline, Math.min(MAX_TIMELINE_ROWS, spare - MIN_FINDING_ROWS));
      const findingRows = spare - timelineRoom;
      return (
        <Box flexDirection="column">
          {header}
          <Text bold color={theme.tone(report.healthy ? "success" : "danger")} wrap="truncate-end">
            {report.healthy ? "✔ Healthy" : "✖ Not healthy"}: {targetLabel(chosen)} · {report.findings.length} finding
            {report.findings.length === 1 ? "" : "s"}
          </Text>
          {impact ? (
            <Text color={theme.tone(impact.state === "unhealthy" ? "danger" : "warning")} wrap="truncate-end">
              {impactLine(impact)}
            </Text>
          ) : null}
          <FindingList findings={report.findings} width={columns} maxRows={findingRows} />
          <TimelinePanel entries={report.timeline} width={columns} maxRows={timelineRoom} />
          <Text> </Text>
          <SelectList
            items={items}
            onChoose={(item) => {
              if (item.key === "resume" && active) resume(chosen, report, active);
              else if (item.key === "recommended" && recommended?.runbook) start(chosen, report, recommended.runbook);
              else if (item.key === "other") setPhase({ name: "choose-runbook", target: chosen, report });
              else if (item.key === "again") diagnose(chosen);
              else if (item.key === "registry") loadRegistries();
              else if (item.key === "runs") shell.go({ name: "runs" });
              else if (item.key === "quit") shell.leave();
            }}
          />
          {noticeLine}
          <KeyHints hints={REPORT_HINTS} />
        </Box>
      );
    }
  }
}
