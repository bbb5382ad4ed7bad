// The diagnosis room's public surface: probe, rules, report, text rendering, and triage.
export type { Finding, ReadFailure, RunbookId, Severity, TriageCause, TriageResult } from "./types.js";
export type { DiagnosisSnapshot, EncryptionIdentity, KeyReference, ProbeStats, Read } from "./snapshot.js";
export { probeRegistry, type ProbeOptions, type ProbeResult } from "./probe.js";
export { runRules, sortFindings, EXPIRY_WARNING_DAYS, type RuleContext } from "./rules/index.js";
export {
  buildReport,
  diagnose,
  diagnoseRegistry,
  isHealthy,
  type DiagnoseOptions,
  type DiagnosisReport,
  type RegistrySummary,
} from "./diagnose.js";
export { renderReportText, type TextOptions } from "./report-text.js";
export { triage, CAUSE_TITLES, RUNBOOK_FOR_CAUSE } from "./triage.js";
