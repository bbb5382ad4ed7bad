// The RunEngine's public actions: start, resume, approve, reject, retry, abort, choose, and the reads drivers make. It
// asks the approval policy, and hands the running to the live-run loop (live-runs.ts), the approval ledger and run
// ownership. The snapshot is the run; the engine keeps only timers and subscribers in memory.
import { randomBytes } from "node:crypto";
import type { CmkAzure } from "../azure/types.js";
import type { RunbookId } from "../diagnosis/types.js";
import type { RunbookActorOptions, RunbookDefinition } from "../machines/protocol.js";
import { ApprovalLedger } from "./approval-ledger.js";
import { checkApproval, checkRejection, typedBack } from "./approval-policy.js";
import type { AzureResponseRecorder } from "./azure-calls.js";
import { LiveRuns, type LiveRun } from "./live-runs.js";
import { dryRunView } from "./plan.js";
import { openRunBackend } from "./open-store.js";
import { registryKey } from "./registry-lock.js";
import { ENGINE_ACTOR, journalOf, type Clock, type Journal } from "./run-journal.js";
import { RunOwnership } from "./run-ownership.js";
import { assertSamePlace } from "./run-place.js";
import { endedAsStored, hasEnded } from "./run-status.js";
import type { RunRecord } from "./run-store.js";
import type { RunBackend, RunRecordStore } from "./store.js";
import { isSettled } from "./run-view.js";
import {
  RunRefused,
  type AuditEntry,
  type ResumeOptions,
  type RunEngine,
  type RunRevision,
  type RunSummary,
  type RunTarget,
  type RunView,
  type SharedRuns,
  type StartRunParams,
} from "./types.js";
import { formFor, targetPath } from "./run-definition.js";

export type { Clock } from "./run-journal.js";

export interface RunEngineOptions {
  /** ACR_CMK_HOME: the run database lives here unless `store` names a shared one. */
  home: string;
  /** ACR_CMK_STORE: an Azure Storage account shared by every process; unset = the SQLite file in `home`. */
  store?: string;
  azure: CmkAzure;
  runbooks: Partial<Record<RunbookId, RunbookDefinition>>;
  clock?: Clock;
  /** How long an approval request stays valid (default 15 minutes). */
  approvalTtlMs?: number;
  /** Who may approve other people's changes; empty or absent = anyone but the requester. */
  approvers?: readonly string[];
  /** How often a durable wait (rotation pickup) is asked to look again (default 30 s). */
  pollIntervalMs?: number;
  /** How long a registry lock outlives its owner's last heartbeat (default 60 s). */
  lockTtlMs?: number;
  /** Collects Azure request ids; pass its `onResponse` to the port's factory. */
  responses?: AzureResponseRecorder;
  newRunId?: () => string;
  /** Handed to each runbook's actors: the clock Azure's state follows (the sandbox's own clock in sandbox mode). */
  actorOptions?: RunbookActorOptions;
}

const DEFAULT_APPROVAL_TTL_MS = 15 * 60_000;
const DEFAULT_POLL_MS = 30_000;
const DEFAULT_LOCK_TTL_MS = 60_000;

function defaultRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${stamp}-${randomBytes(3).toString("hex")}`;
}

export class SqliteRunEngine implements RunEngine, SharedRuns {
  private readonly backend: RunBackend;
  readonly claims: SharedRuns["claims"];
  private readonly store: RunRecordStore;
  private readonly write: Journal;
  private readonly ledger: ApprovalLedger;
  private readonly ownership: RunOwnership;
  private readonly live: LiveRuns;
  private readonly clock: Clock;
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: RunEngineOptions) {
    this.clock = options.clock ?? { now: () => new Date() };
    const approvalTtlMs = options.approvalTtlMs ?? DEFAULT_APPROVAL_TTL_MS;
    const lockTtlMs = options.lockTtlMs ?? DEFAULT_LOCK_TTL_MS;
    this.backend = openRunBackend(options.home, options.store);
    this.claims = this.backend;
    this.store = this.backend.runs;
    this.write = journalOf(this.backend.audit, this.clock);
    this.ledger = new ApprovalLedger(this.backend, this.backend.audit, this.write, this.clock, approvalTtlMs);
    const locks = this.backend.locks(lockTtlMs, () => this.clock.now());
    this.ownership = new RunOwnership(this.store, locks, this.write, options.azure.place, approvalTtlMs);
    this.live = new LiveRuns({
      azure: options.azure,
      clock: this.clock,
      store: this.store,
      ledger: this.ledger,
      ownership: this.ownership,
      write: this.write,
      pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_MS,
      ...(options.responses ? { responses: options.responses } : {}),
      ...(options.actorOptions ? { actorOptions: options.actorOptions } : {}),
      closed: () => this.closed,
    });
    this.heartbeat = setInterval(
      () => {
        if (!this.closed) this.live.beat();
      },
      Math.max(1000, Math.floor(lockTtlMs / 3)),
    );
    // Heartbeats alone must not keep a finished CLI process alive.
    this.heartbeat.unref();
  }

  async start(params: StartRunParams): Promise<RunView> {
    this.assertOpen();
    const definition = this.definitionOf(params.runbook, params.target);
    const now = this.clock.now();
    const id = this.options.newRunId?.() ?? defaultRunId(now);
    if (params.dryRun) return dryRunView(id, definition, params, now);

    this.assertSubscription(id, params.target);
    const place = this.options.azure.place;
    const lockKey = registryKey(params.target);
    this.ownership.refuseWhileAnotherRunIsActive(lockKey, now, this.live.all());
    this.ownership.lock(lockKey, id, params.target);
    const record: RunRecord = {
      id,
      runbook: params.runbook,
      target: params.target,
      place,
      requester: params.requester,
      driver: params.driver,
      dryRun: false,
      selfApprove: Boolean(params.selfApprove),
      ...(params.presetChoices?.length ? { presetChoices: [...params.presetChoices] } : {}),
      status: "running",
      snapshot: null,
      visited: [],
      view: dryRunView(id, definition, params, now),
      startedAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    const incident = params.incident ? { incident: params.incident } : {};
    record.view = { ...record.view, place, status: "running", outcome: undefined, dryRun: false, ...incident };
    this.store.save(record);
    this.write(
      { runId: id, actor: params.requester, action: "run-start", outcome: "started" },
      {
        runbook: params.runbook,
        target: params.target,
        place,
        driver: params.driver,
        selfApprove: record.selfApprove,
        ...(record.presetChoices ? { presetChoices: record.presetChoices } : {}),
      },
    );
    return this.live.launch(record, definition, lockKey, undefined, params.hints);
  }

  async resume(runId: string, by: string, options: ResumeOptions = {}): Promise<RunView> {
    this.assertOpen();
    const running = this.live.get(runId);
    if (running && this.live.stillOurs(running)) {
      if (options.selfApprove !== undefined) running.record.selfApprove = options.selfApprove;
      // A person came back: an expired approval request is asked again with a fresh expiry.
      this.ledger.askAgainIfExpired(running.record);
      this.live.refresh(running);
      return running.record.view;
    }
    return this.pickUp(runId, by, { askAgain: true, ...options });
  }

  async approve(
    runId: string,
    by: string,
    options: { fingerprint?: string; confirmation?: string } = {},
  ): Promise<RunView> {
    const run = await this.liveRun(runId, by);
    const view = run.record.view;
    const request = view.approval;
    if (view.status !== "awaiting-approval" || !request) {
      // A double click or a redelivered Slack request: the change was approved once and runs once.
      if (options.fingerprint !== undefined && this.ledger.wasApproved(runId, options.fingerprint)) return view;
      throw this.notAwaiting(view, "approval");
    }
    try {
      checkApproval(
        { approvers: this.options.approvers ?? [] },
        {
          request,
          by,
          selfApprove: run.record.selfApprove,
          ...typedBack(run.record.target),
          now: this.clock.now(),
          ...(options.fingerprint !== undefined ? { fingerprint: options.fingerprint } : {}),
          ...(options.confirmation !== undefined ? { confirmation: options.confirmation } : {}),
        },
      );
    } catch (error) {
      if (error instanceof RunRefused) {
        // The timer may not have fired yet (a clock that jumped, a run picked up after its expiry): note it first.
        if (error.reason === "expired") this.live.noteExpiry(run);
        this.ledger.refused(runId, by, request, error);
      }
      throw error;
    }
    this.ledger.approved(runId, by, request);
    run.lastApprovedBy = by;
    this.live.send(run, { type: "APPROVE", by, fingerprint: request.fingerprint });
    return run.record.view;
  }

  async reject(runId: string, by: string, reason: string): Promise<RunView> {
    const run = await this.liveRun(runId, by);
    const view = run.record.view;
    if (view.status === "rejected") return view;
    if (view.status !== "awaiting-approval" || !view.approval) throw this.notAwaiting(view, "approval");
    try {
      checkRejection({ approvers: this.options.approvers ?? [] }, { by, requester: run.record.requester });
    } catch (error) {
      this.ledger.rejectionRefused(runId, by, view.approval.stepId);
      throw error;
    }
    this.ledger.rejected(runId, by, view.approval.stepId, reason);
    this.live.send(run, { type: "REJECT", by, reason });
    return run.record.view;
  }

  async retry(runId: string, by: string): Promise<RunView> {
    const run = await this.liveRun(runId, by);
    const view = run.record.view;
    if (view.status !== "failed" || run.endedNow()) throw this.notAwaiting(view, "a retry");
    this.write({ runId, actor: by, action: "retry", outcome: "requested" }, { step: view.currentStepId ?? null });
    this.live.send(run, { type: "RETRY", by });
    return run.record.view;
  }

  async abort(runId: string, by: string, reason: string): Promise<RunView> {
    // The store, not a live copy: another process may have aborted the run already.
    const record = this.store.get(runId);
    if (!record) throw new RunRefused(`No run with id ${runId}.`, "unknown-run");
    if (record.status === "aborted") return record.view;
    const run = await this.liveRun(runId, by);
    if (run.endedNow()) throw this.notAwaiting(run.record.view, "an abort");
    this.write({ runId, actor: by, action: "abort", outcome: "requested" }, { reason });
    this.live.send(run, { type: "ABORT", by, reason });
    return run.record.view;
  }

  async input(runId: string, by: string, value: string): Promise<RunView> {
    const run = await this.liveRun(runId, by);
    const view = run.record.view;
    if (view.status !== "awaiting-input" || !view.input) throw this.notAwaiting(view, "input");
    const allowed = view.input.options.map((option) => option.id);
    if (!allowed.includes(value)) {
      throw new RunRefused(`"${value}" is not one of the choices: ${allowed.join(", ")}.`, "invalid-input");
    }
    this.write({ runId, actor: by, action: "input", outcome: "chosen" }, { step: view.input.stepId, value });
    this.live.send(run, { type: "INPUT", by, value });
    return run.record.view;
  }

  async interrupt(runId: string, by: string): Promise<RunView> {
    this.assertOpen();
    const run = this.live.get(runId);
    if (run) return this.live.interrupt(run, by);
    const stored = this.store.get(runId);
    if (!stored) throw new RunRefused(`No run with id ${runId}.`, "unknown-run");
    return stored.view;
  }

  get(runId: string): RunView | undefined {
    return this.live.get(runId)?.record.view ?? this.store.get(runId)?.view;
  }

  list(): RunSummary[] {
    return this.store.list();
  }

  subscribe(runId: string, listener: (view: RunView) => void): () => void {
    const run = this.live.get(runId);
    if (!run) return () => undefined;
    run.listeners.add(listener);
    return () => run.listeners.delete(listener);
  }

  settled(runId: string): Promise<RunView> {
    const run = this.live.get(runId);
    if (!run) {
      const view = this.get(runId);
      return view ? Promise.resolve(view) : Promise.reject(new RunRefused(`No run with id ${runId}.`, "unknown-run"));
    }
    if (run.stopped || isSettled(run.record.view.status)) return Promise.resolve(run.record.view);
    return new Promise((resolve) => run.waiters.push(resolve));
  }

  auditTrail(runId: string): AuditEntry[] {
    return this.backend.audit.trail(runId);
  }

  verifyAudit(): { ok: boolean; entries: number; brokenAt?: number } {
    return this.backend.audit.verify();
  }

  revisions(runIds: readonly string[]): Map<string, RunRevision> {
    this.assertOpen();
    return this.store.revisions(runIds);
  }

  reload(runId: string): RunView | undefined {
    this.assertOpen();
    const run = this.live.get(runId);
    if (run && this.live.stillOurs(run)) return run.record.view;
    return this.store.get(runId)?.view;
  }

  /** Stops every run this engine drives without finishing it; each stays resumable from its last snapshot. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.heartbeat);
    // Written before `closed` is seen by the loop: runs left mid-step are stored as stopped.
    this.live.stopAll(ENGINE_ACTOR);
    this.closed = true;
    this.backend.close();
  }

  private async liveRun(runId: string, by: string): Promise<LiveRun> {
    this.assertOpen();
    const existing = this.live.get(runId);
    if (existing && this.live.stillOurs(existing)) return existing;
    // A driver acting on a run this process is not driving (Slack after a restart, or a run another process moved):
    // pick it up as stored. Its approval request keeps its expiry; only a person resuming asks again.
    const view = this.pickUp(runId, by, { askAgain: false });
    const run = this.live.get(runId);
    if (!run) throw this.notAwaiting(view, "events");
    return run;
  }

  private pickUp(runId: string, by: string, options: ResumeOptions & { askAgain: boolean }): RunView {
    const seen = this.store.get(runId);
    if (!seen) throw new RunRefused(`No run with id ${runId}.`, "unknown-run");
    if (endedAsStored(seen)) return seen.view;
    const definition = this.definitionOf(seen.runbook, seen.target);
    assertSamePlace(runId, seen.place, this.options.azure.place);
    this.assertSubscription(runId, seen.target);
    const lockKey = registryKey(seen.target);
    this.ownership.lock(lockKey, runId, seen.target, { handOver: !options.abandonedOnly });
    // Read again under the lock: its holder may have moved it on since (asked for approval, ended it); go on from there.
    const record = this.store.get(runId) ?? seen;
    if (endedAsStored(record)) {
      this.ownership.release(lockKey, runId);
      return record.view;
    }
    // A run stored before places were recorded acts where it is picked up from now on, and stays there.
    record.place ??= this.options.azure.place;
    if (options.selfApprove !== undefined) record.selfApprove = options.selfApprove;
    if (options.askAgain) this.ledger.askAgainIfExpired(record);
    this.write(
      { runId, actor: by, action: "run-resume", outcome: "resumed" },
      { from: record.view.currentStepId ?? null },
    );
    return this.live.launch(record, definition, lockKey, record.snapshot ?? undefined);
  }

  private notAwaiting(view: RunView, what: string): RunRefused {
    if (hasEnded(view.status)) {
      return new RunRefused(`Run ${view.id} has ended (${view.status}); it takes no more events.`, "final");
    }
    return new RunRefused(`Run ${view.id} is not waiting for ${what} (it is ${view.status}).`, "not-awaiting");
  }

  private definitionOf(id: RunbookId, target: RunTarget): RunbookDefinition {
    const definition = this.options.runbooks[id];
    if (!definition) throw new RunRefused(`No runbook named ${id}.`, "unknown-run");
    return formFor(definition, target);
  }

  /**
   * The port reaches one subscription and the actors name resources by group and name only: a run of another
   * subscription would act on a same-named registry here. Refuse it, saying which subscription the run needs.
   */
  private assertSubscription(runId: string, target: RunTarget): void {
    const connected = this.options.azure.subscriptionId;
    if (target.subscriptionId.toLowerCase() === connected.toLowerCase()) return;
    throw new RunRefused(
      `Run ${runId} is for ${targetPath(target)} in subscription ${target.subscriptionId}, but ` +
        `acr-cmk is connected to subscription ${connected}: use --subscription ${target.subscriptionId}.`,
      "wrong-subscription",
    );
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("the run engine is closed");
  }
}

export function createRunEngine(options: RunEngineOptions): RunEngine & SharedRuns {
  return new SqliteRunEngine(options);
}
