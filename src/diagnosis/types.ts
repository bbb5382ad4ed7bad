// The diagnosis vocabulary shared by diagnose, the machines and the drivers.
import type { AzureCause } from "../azure/types.js";
import type { RunbookId } from "../runbooks/catalogue.js";

export type { RunbookId };

export type Severity = "critical" | "warning" | "info";

/** One fact about a registry's CMK setup, as `diagnose --output json` prints it: id, severity, title, detail, evidence, runbook. */
export interface Finding {
  /** Stable id, e.g. KEY_SOFT_DELETED. */
  id: string;
  severity: Severity;
  title: string;
  /** What it means and what to do next. */
  detail: string;
  /** Which field or error said so. */
  evidence: Record<string, unknown>;
  runbook: RunbookId | null;
  /** The exact command to run next, when there is one. */
  command?: string;
  /** Id of the timeline entry whose change caused this finding. */
  causedBy?: string;
  /** That change in one sentence: what, who, when, with what. */
  cause?: string;
}

export type TriageCause =
  "key-deleted" | "identity-removed" | "firewall-403" | "access-revoked" | "key-disabled" | "unknown";

export interface TriageResult {
  cause: TriageCause;
  runbook: RunbookId | null;
  /** The matched part of the text. */
  evidence: string;
  /** The registry the text names, when it names exactly one: the suggested commands then name it too. */
  registry?: { id?: string; resourceGroup?: string; name: string };
  /** The other Azure service a CMK error comes from (a disk encryption set, a SQL server …): the runbooks are for registries. */
  service?: string;
}

/** A read that failed is evidence, not a crash. */
export interface ReadFailure {
  kind: AzureCause;
  statusCode?: number;
  code?: string;
  innerCode?: string;
  message: string;
}
