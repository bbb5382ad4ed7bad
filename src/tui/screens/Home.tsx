// Home: which registry, what is wrong with it and why, and the runbook that fixes it — one Enter away.
import { useCallback, useEffect, useState } from "react";
import { healthKey, useFleetHealth } from "../hooks/use-fleet-health.js";
import { Box, Text, useInput, useWindowSize } from "ink";
import { impactLine, impactOf } from "../../diagnosis/impact.js";
import { incidentFor } from "../../diagnosis/timeline/incident.js";
import type { RunbookId } from "../../diagnosis/types.js";
import { RUNBOOK_IDS } from "../../runbooks/catalogue.js";
import type { RunSummary } from "../../runs/types.js";
import { BusyLine } from "../components/BusyLine.js";
import { FindingList } from "../components/FindingList.js";
import { HeaderBar } from "../components/HeaderBar.js";
import { KeyHints } from "../components/KeyHints.js";
import { SelectList, type SelectItem } from "../components/SelectList.js";
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
import type { RegistryChoice, RegistryTarget, TuiDiagnosis } from "../types.js";

type Phase =
  | { name: "loading-registries"; since: number }
  | { name: "choose-registry"; registries: RegistryChoice[] }
  | { name: "diagnosing"; target: RegistryTarget; since: number }
  | { name: "report"; target: RegistryTarget; report: TuiDiagnosis }
  | { name: "choose-runbook"; target: RegistryTarget; report: TuiDiagnosis }
  | { name: "starting"; target: RegistryTarget; report: TuiDiagnosis; label: string; since: number }
  | { name: "failed"; message: string; target?: RegistryTarget };

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

export function Home({ target, reserveRows = 0 }: { target?: RegistryTarget; reserveRows?: number }) {
  const session = useSession();
  const shell = useShell();
  const theme = useTheme();
  const { rows, columns } = useWindowSize();
  const [phase, setPhase] = useState<Phase>(() =>
    target ? { name: "diagnosing", target, since: Date.now() } : { name: "loading-registries", since: Date.now() },
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

  // Runs once: the first thing on screen is either the diagnosis of the named registry or the registry list.
  useEffect(() => {
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
    case "choose-registry": {
      // Worst first as verdicts arrive: unhealthy, not yet known, healthy (the list's own order within each).
      const rank = (r: RegistryChoice) => {
        const h = fleet.health.get(healthKey(r));
        return h ? (h.healthy ? 2 : 0) : 1;
      };
      const items: SelectItem[] = [...phase.registries]
        .sort((a, b) => rank(a) - rank(b))
        .map((r) => {
          const h = fleet.health.get(healthKey(r));
          const verdict = h ? (h.healthy ? "✔ healthy" : `✖ ${h.finding ?? "unhealthy"}`) : undefined;
          return {
            key: `${r.resourceGroup}/${r.registry}`,
            label: targetLabel(r),
            hint: [verdict, r.sku, r.location].filter(Boolean).join(" · "),
          };
        });
      return (
        <Box flexDirection="column">
          {header}
          {items.length === 0 ? (
            <Text wrap="wrap">
              No container registries in {session.chosenSubscription?.choice.displayName ?? "subscription"}{" "}
              {session.subscriptionId}.
            </Text>
          ) : (
            <>
              {fleet.state === "scanning" ? (
                <Text dimColor>
                  Checking every registry's key ({fleet.health.size} of {items.length} known)…
                </Text>
              ) : null}
              {fleet.keys.slice(0, 5).map((line) => (
                <Text key={line} dimColor>
                  key {line}
                </Text>
              ))}
              <Text>Which registry? (↑↓ / j k, Enter)</Text>
              <SelectList
                items={items}
                maxRows={Math.max(
                  3,
                  rows -
                    reserveRows -
                    CHROME_ROWS -
                    (fleet.state === "scanning" ? 1 : 0) -
                    Math.min(5, fleet.keys.length),
                )}
                onChoose={(item) => {
                  const chosen = phase.registries.find((r) => `${r.resourceGroup}/${r.registry}` === item.key);
                  if (chosen) diagnose({ resourceGroup: chosen.resourceGroup, registry: chosen.registry });
                }}
              />
            </>
          )}
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
    }
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
      return (
        <Box flexDirection="column">
          {header}
          <Text wrap="wrap" color={theme.tone("danger")}>
            ✖ {phase.message}
          </Text>
          <KeyHints
            hints={[
              { key: "Enter", label: "try again" },
              ...(phase.target ? [] : subscriptionHint),
              { key: "R", label: "runs" },
              { key: "q", label: "quit" },
            ]}
          />
        </Box>
      );
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
      const findingRows = rows - reserveRows - CHROME_ROWS - items.length - (notice ? 2 : 0) - impactRows;
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
          <KeyHints
            hints={[
              { key: "Enter", label: "choose" },
              { key: "R", label: "runs" },
              { key: "q", label: "quit" },
              { key: "?", label: "help" },
            ]}
          />
        </Box>
      );
    }
  }
}
