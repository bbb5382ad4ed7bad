// diagnose = probe + rules: one registry's CMK health as a report (the JSON of `diagnose --output json`, plus what the probe cost).
import { impactOf, type Impact } from "./impact.js";
import { knownPlaceholderValues } from "./known-values.js";
import type { CmkAzure, RegistryRef } from "../azure/types.js";
import type { Finding } from "./types.js";
import type { DiagnosisSnapshot, ProbeStats } from "./snapshot.js";
import { probeRegistry, type ProbeOptions } from "./probe.js";
import { runRules, type RuleContext } from "./rules/index.js";

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
}

export interface DiagnoseOptions extends ProbeOptions {
  /** How the user runs acr-cmk, for the "next command" of each finding. */
  invocation?: string;
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

export async function diagnoseRegistry(
  azure: CmkAzure,
  ref: RegistryRef,
  options: DiagnoseOptions = {},
): Promise<DiagnosisReport & { stats: ProbeStats; knownValues: Record<string, string> }> {
  const { snapshot, stats } = await probeRegistry(azure, ref, options);
  const report = buildReport(snapshot, stats, { invocation: options.invocation ?? "acr-cmk" });
  // The trace and the placeholder values stay out of the JSON (the report's own keys + probe); callers that want them
  // (bench, --verbose, a dry run's commands) read `stats` and `knownValues`.
  Object.defineProperty(report, "stats", { value: stats, enumerable: false });
  Object.defineProperty(report, "knownValues", { value: knownPlaceholderValues(snapshot), enumerable: false });
  return report as DiagnosisReport & { stats: ProbeStats; knownValues: Record<string, string> };
}

/** The name drivers reach for first. */
export const diagnose = diagnoseRegistry;
