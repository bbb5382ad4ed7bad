// The contract between runbook machines and the RunEngine. Machines import xstate and our own types only.
import type { AnyStateMachine } from "xstate";
import type { CmkAzure } from "../azure/types.js";
import type { MissingKeyLook } from "../diagnosis/missing-key-look.js";
import type { RunbookId } from "../runbooks/catalogue.js";
import type { ApprovalRequest, InputRequest, RunTarget, StepMeta } from "./meta.js";

/** Input every runbook machine is created with. */
export interface RunbookInput {
  target: RunTarget;
  requester: string;
  dryRun: boolean;
  /**
   * Placeholder values known before the run reads anything (from the diagnosis that chose the runbook), so its first
   * `az` commands are complete. Display only: the steps read Azure themselves and never trust these.
   */
  hints?: Record<string, string>;
  /**
   * How a person runs acr-cmk where this run acts (`acr-cmk --sandbox <file>`, `acr-cmk --subscription <id>`): the
   * commands the run's messages name start with it, so following one reaches the same place. Default `acr-cmk`.
   */
  invocation?: string;
}

/**
 * The clock a run's own records follow: its start, log lines, approvals and durable deadlines. Machines never read
 * the wall clock themselves; a host that keeps time of its own (the engine's clock, a test's fixed one) hands it to
 * RunbookDefinition.machineWithClock.
 */
export interface RunClock {
  now(): Date;
}

/** Events the engine sends. Machines never run timers of their own for durable deadlines (see DEADLINE). */
export type RunbookEvent =
  | { type: "APPROVE"; by: string; fingerprint: string }
  | { type: "REJECT"; by: string; reason: string }
  | { type: "RETRY"; by: string }
  | { type: "ABORT"; by: string; reason: string }
  | { type: "INPUT"; by: string; value: string }
  /** The engine's stored absolute deadline (context.deadline) has passed: approval expiry, rotation wait. */
  | { type: "DEADLINE" }
  /** The engine asks a waiting state to look again now (rotation pickup poll). */
  | { type: "POLL" };

/** The change the requester asks an approver for; the engine adds requester and timestamps. */
export type PendingApproval = Omit<ApprovalRequest, "requester" | "requestedAt" | "expiresAt">;

/** Context fields every runbook machine keeps (the snapshot is the run: the engine holds no state of its own). */
export interface RunbookContextBase {
  target: RunTarget;
  requester: string;
  dryRun: boolean;
  /** See RunbookInput.hints. */
  hints?: Record<string, string>;
  /** See RunbookInput.invocation. */
  invocation?: string;
  /** Set while the machine waits in an approval state. */
  pendingApproval?: PendingApproval;
  /** Set while the machine waits for the operator to choose. */
  pendingInput?: InputRequest;
  /** ISO time the engine must send DEADLINE at (re-armed on resume). */
  deadline?: string;
  /** Evidence found by check and verify steps, by state id. */
  evidence: Record<string, string[]>;
  /** Before-states recorded ahead of each change, by step id (JSON-able). */
  before: Record<string, unknown>;
  /** Exact commands that undo what this run changed, newest last. */
  rollback: string[];
  /**
   * Per-run `az` templates by step id, replacing a step's static `meta.az` once the run knows which form applies
   * (an access-policy vault or an RBAC vault). Placeholders are filled the same way as in `meta.az`.
   */
  stepAz?: Record<string, string>;
  /** Human log lines the drivers show. */
  log: Array<{ at: string; level: "info" | "warn" | "error"; message: string }>;
  /** Last error of a failed step, for RETRY and for the final message. */
  lastError?: { step: string; cause: string; message: string; requestId?: string };
  /** For final states: what happened, what to do next. */
  outcome?: { summary: string; nextSteps: string[] };
}

/** What the engine may hand the actors besides the port. */
export interface RunbookActorOptions {
  /**
   * The clock Azure's state follows, for judging key expiry: the wall clock against Azure, the sandbox's own clock
   * (moved by `sandbox advance`) against the sandbox. Defaults to the wall clock.
   */
  now?: () => Date;
  /**
   * key-deleted: how it looks again at a key that is neither live nor soft-deleted before it calls it purged (Key
   * Vault's soft delete is eventually consistent: for a while after a DELETE the key is in neither list). Default
   * every 2 s for up to 30 s; the sandbox, whose deletion window is seconds of its own clock, looks quicker.
   */
  missingKeyLook?: MissingKeyLook;
}

/** What a runbook module exports. */
export interface RunbookDefinition {
  id: RunbookId;
  title: string;
  summary: string;
  /** The machine with placeholder actors; the engine and tests call `.provide({ actors: actors(azure) })`. */
  machine: AnyStateMachine;
  /**
   * The same machine with its records stamped by `clock` instead of the wall clock (then `.provide` the actors as
   * usual). Optional for runbooks written by hand that record no time of their own.
   */
  machineWithClock?: (clock: RunClock) => AnyStateMachine;
  /** Actor implementations over the CmkAzure port (options: the clock Azure's state follows). */
  actors: (azure: CmkAzure, options?: RunbookActorOptions) => Record<string, unknown>;
  /** Checklist order: state ids with their meta, as the drivers and generated docs show them. */
  steps: Array<{ id: string } & StepMeta>;
  /**
   * The form a run for an ACI container group follows (its encryption is fixed at deployment, so only the key's own
   * fixes apply); absent: the runbook does not apply to container groups.
   */
  containerGroup?: RunbookDefinition;
}

/**
 * Shape rules the engine relies on:
 * - states are flat (snapshot.value is a string) and every state has `meta: StepMeta` and a `description`;
 * - tags: "approval" (waits for APPROVE/REJECT, context.pendingApproval set), "input" (waits for INPUT,
 *   context.pendingInput set), "wait" (durable wait: context.deadline set; POLL re-checks, DEADLINE gives up),
 *   "busy" (an Azure call is in flight), "change" (the state that performs a change; the engine persists before
 *   and after it);
 * - ABORT is accepted in every non-final state and ends in "aborted";
 * - a change actor first checks whether its effect is already in place (resume after a crash), and before changing
 *   anything re-reads the Azure state and rejects with a "stale" error when its fingerprint differs from the approved
 *   one (the machine then goes back to its check).
 */
export const RUNBOOK_TAGS = ["approval", "input", "wait", "busy", "change"] as const;

/** Final state ids shared by every runbook (top-level states). */
export const FINAL_STATE_IDS = ["succeeded", "unrecoverable", "escalated", "rejected", "aborted", "failed"] as const;
