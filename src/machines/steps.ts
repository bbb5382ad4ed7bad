// The shared step kinds of every runbook: check, change (approval gate → change → verify), wait, verify, manual, input,
// and the final states. A runbook is a flat list of these; build-machine.ts turns it into an XState machine, so the
// shape rules (approval before every change, verify after, onError everywhere, ABORT everywhere) hold by construction.
import type { CmkAzure } from "../azure/types.js";
import type { ApprovalRequest, InputRequest, RunTarget, StepMeta } from "./meta.js";
import { eitherAccessAz, type AccessAz } from "./az.js";
import type { RunbookId } from "../runbooks/catalogue.js";
import type { RunFacts } from "./facts.js";

/**
 * A change as the approver sees it (the approval request's fields: `stepId` is the change state's id, `fingerprint`
 * that of the Azure state the plan was computed from), plus what the change actor needs to perform it.
 */
export interface ChangePlan extends Pick<
  ApprovalRequest,
  "stepId" | "title" | "resource" | "before" | "after" | "az" | "risk" | "irreversible" | "fingerprint"
> {
  /** JSON-able before-state, recorded in context.before[stepId] when the change starts. */
  beforeState: unknown;
  /** Exact command that puts back the before-state, when the change may be undone without destroying anything. */
  rollback?: string;
  /**
   * Why this change has nothing to undo (a recovery: its "undo" would delete what was just brought back). Recorded in
   * the log and the step's evidence instead of a rollback command.
   */
  noUndo?: string;
  /** Free-form parameters for the change actor (JSON-able). */
  params?: Record<string, unknown>;
}

/** What every step actor receives. */
export interface StepInput {
  stepId: string;
  target: RunTarget;
  requester: string;
  startedAt: string;
  /** How a person runs acr-cmk for this run's place (RunbookInput.invocation): commands in messages start with it. */
  invocation: string;
  facts: RunFacts;
  choices: Record<string, string>;
  /** The approved plan (change steps). */
  plan?: ChangePlan;
  /** The fingerprint the approver saw (change steps). */
  approvedFingerprint?: string;
}

/** What every step actor returns; `outcome` picks the next state. */
export interface StepOutput {
  outcome: string;
  evidence?: string[];
  facts?: Partial<RunFacts>;
  /** Plans for approval states that may follow, keyed by their change step id. */
  plans?: ChangePlan[];
  /** Alternative plans an input or approval can switch to, by key. */
  candidates?: Record<string, ChangePlan>;
  /** Options for an input state that follows. */
  input?: InputRequest;
  /** For outcomes that end the run (unrecoverable, escalated) or stop it (failed). */
  final?: { summary: string; nextSteps: string[] };
  /** For outcomes that lead to "failed": what went wrong. */
  message?: string;
  /** Rollback commands known only after the change ran. */
  rollback?: string[];
  log?: string[];
  /**
   * What the run cannot do as a person asked (a move of encryption with no identity to move to): logged as a warning
   * and said again in the final summary, so a run that goes on does not end as if it had done it.
   */
  caveat?: string;
}

export type StepFn = (azure: CmkAzure, input: StepInput, signal: AbortSignal) => Promise<StepOutput>;

interface StepBase {
  id: string;
  meta: StepMeta;
  /** The `az` form per vault permission model; the run shows the one that applies (context.stepAz). */
  azByAccess?: AccessAz;
}

/** check, verify and manual steps: run one actor, branch on its outcome. */
export interface InvokeStep extends StepBase {
  type: "invoke";
  actor: string;
  /** outcome → target state id ("failed" records the output's message as the stop reason). */
  on: Record<string, string>;
  /** Also accepts the engine's DEADLINE while running (poll steps of a wait). */
  deadlineTarget?: string;
}

export interface ApprovalStep extends StepBase {
  type: "approval";
  /** The change state this approval gates. */
  change: string;
  /** INPUT value → candidate plan key: the approver may switch the change (e.g. "switch-to-automatic"). */
  alternatives?: Record<string, string>;
}

export interface ChangeStep extends StepBase {
  type: "change";
  actor: string;
  /** The verify state that follows. */
  next: string;
  /** Where a stale approval sends the run (the check that computes the plan). */
  recheck: string;
  /** Where Azure's refusal of the change (a RefusedChangeError) sends the run: an offer of another way. */
  refused?: string;
}

export interface InputStep extends StepBase {
  type: "input";
  /** Offered option id → target. */
  on: Record<string, string>;
  /** Any option not named in `on` (dynamic choices such as identity ids) goes here. */
  otherwise?: string;
  /** Copy candidates[value] into plans[planFor] (the change the choice configures). */
  planFor?: string;
  /** Options when no earlier step supplied them. */
  options?: InputRequest["options"];
  /** What an unattended run (--yes) picks. */
  defaultOption?: string;
  prompt: string;
}

export interface WaitStep extends StepBase {
  type: "wait";
  /** POLL goes here (the step that looks again). */
  poll: string;
  /** DEADLINE goes here. */
  onDeadline: string;
  /** The deadline, from when the wait first starts. */
  deadlineMs: number;
  /** What the run says when the deadline passes, and what to do then. */
  timeout: { summary: string; nextSteps: string[] };
}

export type StepSpec = InvokeStep | ApprovalStep | ChangeStep | InputStep | WaitStep;

export interface RunbookSpec {
  /** The runbook's id; its title is the catalogue's (src/runbooks/catalogue.ts). */
  id: RunbookId;
  summary: string;
  steps: StepSpec[];
  /** Default summaries of the final states. */
  succeeded: string;
}

/** A step's meta as runbooks write it; `azByAccess` replaces `az` when the command depends on the vault's model. */
type Meta = Omit<StepMeta, "kind"> & { azByAccess?: AccessAz };

/** StepMeta plus the per-vault forms: the static `az` names both, labelled, so docs and dry runs are never wrong. */
function split(meta: Meta, kind: StepMeta["kind"]): { meta: StepMeta; azByAccess?: AccessAz } {
  const { azByAccess, ...rest } = meta;
  if (!azByAccess) return { meta: { ...rest, kind } };
  return { meta: { ...rest, kind, az: eitherAccessAz(azByAccess) }, azByAccess };
}

export function check(id: string, meta: Meta, actor: string, on: Record<string, string>): InvokeStep {
  return { type: "invoke", id, ...split(meta, "check"), actor, on };
}

export function verify(id: string, meta: Meta, actor: string, on: Record<string, string>): InvokeStep {
  return { type: "invoke", id, ...split(meta, "verify"), actor, on };
}

export function manual(id: string, meta: Meta, actor: string, on: Record<string, string>): InvokeStep {
  return { type: "invoke", id, ...split(meta, "manual"), actor, on };
}

export function input(id: string, meta: Meta, options: Omit<InputStep, "type" | "id" | "meta">): InputStep {
  return { type: "input", id, meta: { ...meta, kind: "manual" }, ...options };
}

export function wait(id: string, meta: Meta, options: Omit<WaitStep, "type" | "id" | "meta">): WaitStep {
  return { type: "wait", id, meta: { ...meta, kind: "wait" }, ...options };
}

/** A change is always three states: approve-<id> → <id> → verify-<id>. */
export function guardedChange(options: {
  id: string;
  title: string;
  why: string;
  risk: StepMeta["risk"];
  /** One command, or its form per vault permission model. */
  az: string | AccessAz;
  irreversible?: boolean;
  actor: string;
  verifyActor: string;
  verifyTitle: string;
  verifyAz?: string | AccessAz;
  /** verify outcome → target; "ok" is the usual one. */
  verifyOn: Record<string, string>;
  recheck: string;
  /** Where Azure's refusal of the change goes (see ChangeStep.refused). */
  refused?: string;
  alternatives?: Record<string, string>;
}): [ApprovalStep, ChangeStep, InvokeStep] {
  const irreversible = options.irreversible ?? false;
  const byAccess = typeof options.az === "string" ? undefined : options.az;
  const az = byAccess ? eitherAccessAz(byAccess) : (options.az as string);
  const verifyAz = options.verifyAz;
  // The approval shows the very risk and command of the change it gates.
  const gated = (title: string, why: string, kind: "approval" | "change"): StepMeta => ({
    title,
    why,
    kind,
    risk: options.risk,
    az,
    ...(irreversible ? { irreversible: true } : {}),
  });
  const approval: ApprovalStep = {
    type: "approval",
    id: `approve-${options.id}`,
    change: options.id,
    alternatives: options.alternatives,
    meta: gated(
      `Approve: ${options.title.charAt(0).toLowerCase()}${options.title.slice(1)}`,
      `Nothing changes in Azure without an approval bound to the state it was computed from. ${options.why}`,
      "approval",
    ),
    ...(byAccess ? { azByAccess: byAccess } : {}),
  };
  const change: ChangeStep = {
    type: "change",
    id: options.id,
    actor: options.actor,
    next: `verify-${options.id}`,
    recheck: options.recheck,
    ...(options.refused ? { refused: options.refused } : {}),
    meta: gated(options.title, options.why, "change"),
    ...(byAccess ? { azByAccess: byAccess } : {}),
  };
  const verifyStep = verify(
    `verify-${options.id}`,
    {
      title: options.verifyTitle,
      why: "A change counts only once Azure shows its effect.",
      risk: "none",
      ...(verifyAz === undefined ? {} : typeof verifyAz === "string" ? { az: verifyAz } : { azByAccess: verifyAz }),
    },
    options.verifyActor,
    options.verifyOn,
  );
  return [approval, change, verifyStep];
}

/** Final states shared by every runbook; `failed` is a resumable stop (RETRY / ABORT), not an end. */
export const FINAL_META: Record<"succeeded" | "unrecoverable" | "escalated" | "rejected" | "aborted", StepMeta> = {
  succeeded: { title: "Done", why: "Every step is verified against Azure.", kind: "final", risk: "none" },
  unrecoverable: {
    title: "Unrecoverable",
    why: "What was lost cannot be brought back by any command; the run says so plainly and what to do next.",
    kind: "final",
    risk: "none",
  },
  escalated: {
    title: "Escalated to Azure Support",
    why: "The documented fix needs Microsoft (or it did not work); the run hands over everything support needs.",
    kind: "final",
    risk: "none",
  },
  rejected: {
    title: "Rejected",
    why: "An approver said no; nothing further was changed.",
    kind: "final",
    risk: "none",
  },
  aborted: {
    title: "Aborted",
    why: "Someone stopped the run; changes already made stay and are listed with their rollback.",
    kind: "final",
    risk: "none",
  },
};

export const FAILED_META: StepMeta = {
  title: "Stopped at an error",
  why: "An Azure call or a verification failed. Nothing is half-done: RETRY repeats the step (changes check first whether they already happened), ABORT ends the run.",
  kind: "manual",
  risk: "none",
};
