// diagnose = probe + rules: one registry's CMK health as a report (the JSON of `diagnose --output json`, plus what the probe cost).
import { impactOf, type Impact } from "./impact.js";
import { knownPlaceholderValues } from "./known-values.js";
import type { CmkAzure, RegistryRef } from "../azure/types.js";
import type { Finding } from "./types.js";
import type { DiagnosisSnapshot, ProbeStats } from "./snapshot.js";
import { keyReferenceOf, probeRegistry, type ProbeOptions } from "./probe.js";
import { runRules, type RuleContext } from "./rules/index.js";
import {
  buildTimeline,
  linkCauses,
  type Timeline,
  type TimelineEntry,
  type TimelineResult,
  type VaultResolution,
} from "./timeline/index.js";

export interface RegistrySummary {
  id: string;
  name: string;
  resourceGroup: string;
  subscriptionId: string;
  location: string;
  sku: string;
  encryption: {
    status: "enabled" | "disabled";
    keyIdentifier: string | null;
    versionedKeyIdentifier: string | null;
    identity: string | null;
    rotation: "automatic" | "manual" | null;
  };
}

export interface DiagnosisReport {
  registry: RegistrySummary;
  /** No critical and no warning finding (exit 0); info findings do not count. */
  healthy: boolean;
  /** Whether pulls fail right now, when something critical was found (src/diagnosis/impact.ts). */
  impact: Impact | null;
  /** Most severe first. */
  findings: Finding[];
  /** Azure calls made, sequential round trips on the critical path, wall time. */
  probe: { calls: number; waves: number; elapsedMs: number };
  /** Changes and failures around the registry, newest first (absent when the timeline was not asked for). */
  timeline?: TimelineEntry[];
  /** The timeline's window, sources read and not read (and why), the first failing unwrap, its cost. */
  timelineInfo?: Omit<Timeline, "entries"> & { wave: number };
}

export interface DiagnoseOptions extends ProbeOptions {
  /** How the user runs acr-cmk, for the "next command" of each finding. */
  invocation?: string;
  /** How far back the timeline looks (ms, default 24 h); false: no timeline (its reads are not made). */
  timeline?: { sinceMs?: number } | false;
}

export function isHealthy(findings: readonly Finding[]): boolean {
  return !findings.some((f) => f.severity === "critical" || f.severity === "warning");
}

export function buildReport(snapshot: DiagnosisSnapshot, stats: ProbeStats, ctx: RuleContext): DiagnosisReport {
  const findings = runRules(snapshot, ctx);
  const { registry } = snapshot;
  const enabled = registry.encryption.status === "enabled";
  return {
    registry: {
      id: registry.id,
      name: registry.name,
      resourceGroup: registry.resourceGroup,
      subscriptionId: snapshot.subscriptionId,
      location: registry.location,
      sku: registry.sku,
      encryption: {
        status: registry.encryption.status,
        keyIdentifier: registry.encryption.keyIdentifier ?? null,
        versionedKeyIdentifier: registry.encryption.versionedKeyIdentifier ?? null,
        identity: registry.encryption.identity ?? null,
        rotation: !enabled || !snapshot.keyRef ? null : snapshot.keyRef.version ? "manual" : "automatic",
      },
    },
    healthy: isHealthy(findings),
    impact: impactOf(findings),
    findings,
    probe: { calls: stats.calls, waves: stats.waves, elapsedMs: stats.elapsedMs },
  };
}

const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 } as const;

/** The timeline's findings and causes on top of the rules' report; healthy follows the findings as before. */
function withTimeline(report: DiagnosisReport, result: TimelineResult, wave: number): DiagnosisReport {
  const findings = linkCauses([...report.findings, ...result.findings], result).sort(
    (a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity],
  );
  const { entries, ...info } = result.timeline;
  return { ...report, findings, healthy: isHealthy(findings), timeline: entries, timelineInfo: { ...info, wave } };
}

export async function diagnoseRegistry(
  azure: CmkAzure,
  ref: RegistryRef,
  options: DiagnoseOptions = {},
): Promise<DiagnosisReport & { stats: ProbeStats; knownValues: Record<string, string> }> {
  const timelineOptions = options.timeline;
  // The timeline's clients load while the probe reads the registry; a failure to load is the timeline's to report.
  if (timelineOptions !== false) azure.prepareTimeline().catch(() => undefined);
  let timeline: Promise<{ result: TimelineResult; wave: number } | null> | undefined;
  const startTimeline = (resolution: VaultResolution, wave: number) => {
    if (timeline || timelineOptions === false) return;
    timeline = buildTimeline(azure, resolution, {
      now: options.now?.() ?? new Date(),
      ...(timelineOptions?.sinceMs !== undefined ? { sinceMs: timelineOptions.sinceMs } : {}),
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    }).then(
      (result) => ({ result, wave: wave + 1 }),
      // The timeline never decides the diagnosis: a failure here only leaves it out.
      () => null,
    );
  };
  const { snapshot, stats } = await probeRegistry(azure, ref, {
    ...options,
    onVaultResolved: (registry, vault, wave) => {
      const { keyRef } = keyReferenceOf(registry);
      startTimeline(
        { registry, vault, ...(keyRef ? { vaultName: keyRef.vaultName, keyName: keyRef.name } : {}) },
        wave,
      );
    },
  });
  startTimeline({ registry: snapshot.registry, vault: null }, stats.waves);
  const rules = buildReport(snapshot, stats, { invocation: options.invocation ?? "acr-cmk" });
  const gathered = timeline ? await timeline : null;
  const report = gathered ? withTimeline(rules, gathered.result, gathered.wave) : rules;
  // The trace and the placeholder values stay out of the JSON (the report's own keys + probe); callers that want them
  // (bench, --verbose, a dry run's commands) read `stats` and `knownValues`.
  Object.defineProperty(report, "stats", { value: stats, enumerable: false });
  Object.defineProperty(report, "knownValues", { value: knownPlaceholderValues(snapshot), enumerable: false });
  return report as DiagnosisReport & { stats: ProbeStats; knownValues: Record<string, string> };
}

/** The name drivers reach for first. */
export const diagnose = diagnoseRegistry;
