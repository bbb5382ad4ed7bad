// What drivers (terminal, Slack, plain CLI) see of a run, and the only way they may act on one.
import type { AzurePlace } from "../azure/types.js";
import type { IncidentSummary } from "../diagnosis/timeline/incident.js";
import type { RunbookId } from "../diagnosis/types.js";

export type { ChangeUndone, IncidentSummary } from "../diagnosis/timeline/incident.js";

export type {
  ApprovalRequest,
  ContainerGroupTarget,
  InputRequest,
  RegistryTarget,
  Risk,
  RunTarget,
  StepKind,
  StepMeta,
} from "../machines/meta.js";
import type { ApprovalRequest, InputRequest, RunTarget, StepMeta } from "../machines/meta.js";

/** "rejected": the approval a person refused (the run then ended rejected); never shown as done. */
export type StepStatus = "done" | "current" | "pending" | "skipped" | "failed" | "rejected";

export interface StepView extends StepMeta {
  id: string;
  status: StepStatus;
  evidence?: string[];
}

export type RunStatus =
  | "running"
  | "awaiting-approval"
  | "awaiting-input"
  | "waiting"
  | "succeeded"
  | "unrecoverable"
  | "escalated"
  | "rejected"
  | "aborted"
  | "failed"
  /** Interrupted (Ctrl-C, or its process let go of it mid-step): resumable from its last saved step. */
  | "stopped";

export interface RunLogEntry {
  at: string;
  level: "info" | "warn" | "error";
  message: string;
}

/** Where a run acts, recorded when it starts: it is continued there or nowhere (never moved to the cloud or back). */
export type RunPlace = AzurePlace;

export interface RunView {
  id: string;
  runbook: RunbookId;
  target: RunTarget;
  /** Absent only for runs stored before acr-cmk recorded it. */
  place?: RunPlace;
  requester: string;
  driver: "cli" | "tui" | "slack";
  dryRun: boolean;
  status: RunStatus;
  /** An Azure call is in flight. */
  busy: boolean;
  steps: StepView[];
  currentStepId?: string;
  approval?: ApprovalRequest;
  input?: InputRequest;
  log: RunLogEntry[];
  /** Plain words for final states: what happened and what to do next (support request text for escalations). */
  outcome?: { summary: string; nextSteps: string[] };
  /** Exact commands that undo the changes made so far. */
  rollback: string[];
  /** When the run's durable wait gives up (a rotation's pickup): set while it waits. */
  deadline?: string;
  /** Answers to the run's choices given when it was started (`--method disable-key`): kept for whoever resumes it. */
  presetChoices?: string[];
  /** The diagnosis that started the run: its findings, timeline, and the change the run undoes (who, when). */
  incident?: IncidentSummary;
  /** Why the run stopped when status is "failed" (an Azure error it can RETRY, or an internal error). */
  error?: { step: string; cause: string; message: string; requestId?: string };
  startedAt: string;
  updatedAt: string;
}

export interface RunSummary {
  id: string;
  runbook: RunbookId;
  target: RunTarget;
  requester: string;
  status: RunStatus;
  startedAt: string;
  updatedAt: string;
}

export interface AuditEntry {
  seq: number;
  at: string;
  runId: string | null;
  actor: string;
  action: string;
  outcome: string;
  azureRequestId?: string;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** What recomputing the whole audit chain found; `brokenAt` is the first entry whose link or hash does not hold. */
export interface AuditVerdict {
  ok: boolean;
  entries: number;
  brokenAt?: number;
}

export interface StartRunParams {
  runbook: RunbookId;
  target: RunTarget;
  requester: string;
  driver: RunView["driver"];
  dryRun?: boolean;
  /** Local policy: the requester may approve their own changes (`--yes` on a terminal). */
  selfApprove?: boolean;
  /** Placeholder values already known (vault, key, identity from a diagnosis): fill `az` commands before the run reads them. */
  hints?: Record<string, string>;
  /** Answers to choices given up front (`--method`); stored with the run so a later `runs resume` answers the same. */
  presetChoices?: string[];
  /** The diagnosis behind the run (incidentFor): approvals show the change they undo; the incident report uses it. */
  incident?: IncidentSummary;
}

/** Thrown when an actor may not do what they asked (self-approval, not an approver, stale approval). */
export class RunRefused extends Error {
  override readonly name = "RunRefused";
  constructor(
    message: string,
    readonly reason:
      | "not-approver"
      | "self-approval"
      | "stale"
      | "expired"
      | "not-awaiting"
      | "locked"
      | "unknown-run"
      | "final"
      | "confirmation-required"
      | "invalid-input"
      | "wrong-subscription"
      | "wrong-place",
  ) {
    super(message);
  }
}

/** Where a run stands in the store; it changes with every new view any process writes. */
export interface RunRevision {
  updatedAt: string;
  status: RunStatus;
}

/**
 * For a driver that follows runs for hours (the Slack app) while other processes move them too: `acr-cmk runs
 * resume|abort`, or a second app on the same ACR_CMK_HOME.
 */
export interface SharedRuns {
  /** The stored revision of each run named; cheap enough to poll every few seconds. */
  revisions(runIds: readonly string[]): Promise<Map<string, RunRevision>>;
  /**
   * The run as it is now. When this engine was driving it but another process has taken it over, this engine lets go
   * of its copy first (and its subscribers get the stored view).
   */
  reload(runId: string): Promise<RunView | undefined>;
  /** Keys claimed once across every process sharing the store (a thing announced once, a value the first one set). */
  claims?: {
    claimOnce(key: string, value?: string): Promise<boolean>;
    claimedValue(key: string): Promise<string | undefined>;
  };
}

export interface ResumeOptions {
  /** The person resuming allows self-approval for this session (local `--yes`). */
  selfApprove?: boolean;
  /**
   * Pick the run up only if nobody drives it (its holder's lock lapsed or its process is gone). A person resuming may
   * take over a run that waits for them from a live process; a replica sweeping for abandoned runs must not.
   */
  abandonedOnly?: boolean;
}

export interface RunEngine {
  start(params: StartRunParams): Promise<RunView>;
  resume(runId: string, by: string, options?: ResumeOptions): Promise<RunView>;
  approve(runId: string, by: string, options?: { fingerprint?: string; confirmation?: string }): Promise<RunView>;
  reject(runId: string, by: string, reason: string): Promise<RunView>;
  retry(runId: string, by: string): Promise<RunView>;
  abort(runId: string, by: string, reason: string): Promise<RunView>;
  input(runId: string, by: string, value: string): Promise<RunView>;
  /**
   * Ctrl-C: this process stops driving the run at its last saved step. Nothing more is sent to Azure for it; the run
   * stays resumable and shows as "stopped" until someone resumes it.
   */
  interrupt(runId: string, by: string): Promise<RunView>;
  /** The run as this engine drives it, or as stored. */
  get(runId: string): Promise<RunView | undefined>;
  list(): Promise<RunSummary[]>;
  /** Called with every new view of the run; returns the unsubscribe function. */
  subscribe(runId: string, listener: (view: RunView) => void): () => void;
  /** Resolves once the run waits for a person (approval, input) or has ended. */
  settled(runId: string): Promise<RunView>;
  auditTrail(runId: string): Promise<AuditEntry[]>;
  verifyAudit(): Promise<AuditVerdict>;
  close(): Promise<void>;
}
