// The RunEngine's public actions: start, resume, approve, reject, retry, abort, choose, and the reads drivers make. It
// asks the approval policy, and hands the running to the live-run loop (live-runs.ts), the approval ledger and run
// ownership. The snapshot is the run; the engine keeps only timers and subscribers in memory.
import type { RunbookId } from "../diagnosis/types.js";
import type { RunbookDefinition } from "../machines/protocol.js";
import { ApprovalLedger } from "./approval-ledger.js";
import { checkApproval, checkRejection, typedBack } from "./approval-policy.js";
import { LiveRuns, type LiveRun } from "./live-runs.js";
import { dryRunView, newRunRecord } from "./plan.js";
import { openRunBackend } from "./open-store.js";
import { registryKey } from "./registry-lock.js";
import { ENGINE_ACTOR, journalOf, type Clock, type Journal } from "./run-journal.js";
import {
  DEFAULT_APPROVAL_TTL_MS,
  DEFAULT_LOCK_TTL_MS,
  DEFAULT_POLL_MS,
  defaultRunId,
  type RunEngineOptions,
} from "./engine-options.js";
import { RunOwnership } from "./run-ownership.js";
import { RunQueues } from "./run-queues.js";
import { assertSamePlace, assertSubscription } from "./run-place.js";
import { endedAsStored, notAwaiting } from "./run-status.js";
import type { RunBackend, RunRecordStore } from "./store.js";
import { isSettled } from "./run-view.js";
import {
  RunRefused,
  type AuditEntry,
  type AuditVerdict,
  type ResumeOptions,
  type RunEngine,
  type RunRevision,
  type RunSummary,
  type RunTarget,
  type RunView,
  type SharedRuns,
  type StartRunParams,
} from "./types.js";
import { formFor } from "./run-definition.js";

export type { Clock } from "./run-journal.js";
export type { RunEngineOptions } from "./engine-options.js";

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
  /**
   * One action at a time per run in this process: a double click's second approval sees what the first one did (the
   * run moved on), instead of both passing the checks while the first one's audit entry is on its way.
   */
  private readonly actions = new RunQueues();
  private closed = false;
  private closing = false;

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
    const approvedAlready = async (id: string, step: string, print: string) =>
      (await this.ledger.approverOfPending(id, step, print)) !== undefined;
    this.ownership = new RunOwnership(
      this.store,
      locks,
      this.write,
      options.azure.place,
      approvalTtlMs,
      approvedAlready,
    );
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
        if (!this.closed) void this.live.beat();
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

    assertSubscription(this.options.azure.subscriptionId, id, params.target);
    const place = this.options.azure.place;
    const lockKey = registryKey(params.target);
    await this.ownership.refuseWhileAnotherRunIsActive(lockKey, now, this.live.all());
    await this.ownership.lock(lockKey, id, params.target);
    const record = newRunRecord(id, definition, params, place, now);
    await this.store.save(record);
    await this.write(
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

  resume(runId: string, by: string, options: ResumeOptions = {}): Promise<RunView> {
    return this.actions.run(runId, async () => {
      this.assertOpen();
      const running = this.live.get(runId);
      if (running && (await this.live.stillOurs(running))) {
        if (options.selfApprove !== undefined) running.record.selfApprove = options.selfApprove;
        // A person came back: an expired approval request is asked again with a fresh expiry.
        await this.live.enqueue(running, () => this.ledger.askAgainIfExpired(running.record));
        this.live.refresh(running);
        return running.record.view;
      }
      return this.pickUp(runId, by, { askAgain: true, ...options });
    });
  }

  approve(runId: string, by: string, options: { fingerprint?: string; confirmation?: string } = {}): Promise<RunView> {
    return this.actions.run(runId, () => this.approveNow(runId, by, options));
  }

  private async approveNow(
    runId: string,
    by: string,
    options: { fingerprint?: string; confirmation?: string },
  ): Promise<RunView> {
    const run = await this.liveRun(runId, by);
    const view = run.record.view;
    const request = view.approval;
    if (view.status !== "awaiting-approval" || !request) {
      // A double click or a redelivered Slack request: the change was approved once and runs once.
      if (options.fingerprint !== undefined && (await this.ledger.wasApproved(runId, options.fingerprint))) return view;
      throw notAwaiting(view, "approval");
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
        if (error.reason === "expired") await this.live.noteExpiry(run);
        await this.live.enqueue(run, () => this.ledger.refused(runId, by, request, error));
      }
      throw error;
    }
    // Approved already in the process this one took the run over from, which lost it before acting: that approval
    // stands (one approval, one change); otherwise this one is written.
    const given = await this.ledger.approverOfPending(runId, request.stepId, request.fingerprint);
    if (given === undefined) await this.live.enqueue(run, () => this.ledger.approved(runId, by, request));
    // Another engine may have taken the run over while the approval was written (its request still looked open
    // there): that engine goes on with it; this one must not move its stale copy.
    if (!(await this.live.stillOurs(run))) {
      throw new RunRefused(`Run ${runId} was taken over by another process; it goes on there.`, "locked");
    }
    run.lastApprovedBy = given ?? by;
    this.live.send(run, { type: "APPROVE", by, fingerprint: request.fingerprint });
    return run.record.view;
  }

  reject(runId: string, by: string, reason: string): Promise<RunView> {
    return this.actions.run(runId, async () => {
      const run = await this.liveRun(runId, by);
      const view = run.record.view;
      if (view.status === "rejected") return view;
      const approval = view.approval;
      if (view.status !== "awaiting-approval" || !approval) throw notAwaiting(view, "approval");
      try {
        checkRejection({ approvers: this.options.approvers ?? [] }, { by, requester: run.record.requester });
      } catch (error) {
        await this.live.enqueue(run, () => this.ledger.rejectionRefused(runId, by, approval.stepId));
        throw error;
      }
      await this.live.enqueue(run, () => this.ledger.rejected(runId, by, approval.stepId, reason));
      this.live.send(run, { type: "REJECT", by, reason });
      return run.record.view;
    });
  }

  retry(runId: string, by: string): Promise<RunView> {
    return this.actions.run(runId, async () => {
      const run = await this.liveRun(runId, by);
      const view = run.record.view;
      if (view.status !== "failed" || run.endedNow()) throw notAwaiting(view, "a retry");
      const step = { step: view.currentStepId ?? null };
      await this.live.enqueue(run, () => this.write({ runId, actor: by, action: "retry", outcome: "requested" }, step));
      this.live.send(run, { type: "RETRY", by });
      return run.record.view;
    });
  }

  abort(runId: string, by: string, reason: string): Promise<RunView> {
    return this.actions.run(runId, async () => {
      // The store, not a live copy: another process may have aborted the run already.
      const record = await this.store.get(runId);
      if (!record) throw new RunRefused(`No run with id ${runId}.`, "unknown-run");
      if (record.status === "aborted") return record.view;
      const run = await this.liveRun(runId, by);
      if (run.endedNow()) throw notAwaiting(run.record.view, "an abort");
      const entry = { runId, actor: by, action: "abort", outcome: "requested" };
      await this.live.enqueue(run, () => this.write(entry, { reason }));
      this.live.send(run, { type: "ABORT", by, reason });
      return run.record.view;
    });
  }

  input(runId: string, by: string, value: string): Promise<RunView> {
    return this.actions.run(runId, async () => {
      const run = await this.liveRun(runId, by);
      const view = run.record.view;
      const input = view.input;
      if (view.status !== "awaiting-input" || !input) throw notAwaiting(view, "input");
      const allowed = input.options.map((option) => option.id);
      if (!allowed.includes(value)) {
        throw new RunRefused(`"${value}" is not one of the choices: ${allowed.join(", ")}.`, "invalid-input");
      }
      const entry = { runId, actor: by, action: "input", outcome: "chosen" };
      await this.live.enqueue(run, () => this.write(entry, { step: input.stepId, value }));
      this.live.send(run, { type: "INPUT", by, value });
      return run.record.view;
    });
  }

  interrupt(runId: string, by: string): Promise<RunView> {
    return this.actions.run(runId, async () => {
      this.assertOpen();
      const run = this.live.get(runId);
      if (run) return this.live.interrupt(run, by);
      const stored = await this.store.get(runId);
      if (!stored) throw new RunRefused(`No run with id ${runId}.`, "unknown-run");
      return stored.view;
    });
  }

  async get(runId: string): Promise<RunView | undefined> {
    return this.live.get(runId)?.record.view ?? (await this.store.get(runId))?.view;
  }

  list(): Promise<RunSummary[]> {
    return this.store.list();
  }

  subscribe(runId: string, listener: (view: RunView) => void): () => void {
    const run = this.live.get(runId);
    if (!run) return () => undefined;
    run.listeners.add(listener);
    return () => run.listeners.delete(listener);
  }

  /** Resolves once the run waits for a person (approval, input) or has ended, and that view is stored. */
  async settled(runId: string): Promise<RunView> {
    const run = this.live.get(runId);
    if (!run) {
      const view = await this.get(runId);
      if (!view) throw new RunRefused(`No run with id ${runId}.`, "unknown-run");
      return view;
    }
    if (run.stopped || isSettled(run.record.view.status)) {
      await this.live.flushed(runId);
      return run.record.view;
    }
    return new Promise((resolve) => run.waiters.push(resolve));
  }

  auditTrail(runId: string): Promise<AuditEntry[]> {
    return this.backend.audit.trail(runId);
  }

  verifyAudit(): Promise<AuditVerdict> {
    return this.backend.audit.verify();
  }

  revisions(runIds: readonly string[]): Promise<Map<string, RunRevision>> {
    this.assertOpen();
    return this.store.revisions(runIds);
  }

  async reload(runId: string): Promise<RunView | undefined> {
    this.assertOpen();
    const run = this.live.get(runId);
    if (run && (await this.live.stillOurs(run))) return run.record.view;
    return (await this.store.get(runId))?.view;
  }

  /** Stops every run this engine drives without finishing it; each stays resumable from its last snapshot. */
  async close(): Promise<void> {
    if (this.closed || this.closing) return;
    this.closing = true;
    clearInterval(this.heartbeat);
    // Written before `closed` is seen by the loop: runs left mid-step are stored as stopped.
    await this.live.stopAll(ENGINE_ACTOR);
    this.closed = true;
    this.backend.close();
  }

  private async liveRun(runId: string, by: string): Promise<LiveRun> {
    this.assertOpen();
    const existing = this.live.get(runId);
    if (existing && (await this.live.stillOurs(existing))) return existing;
    // A driver acting on a run this process is not driving (Slack after a restart, or a run another process moved):
    // pick it up as stored. Its approval request keeps its expiry; only a person resuming asks again.
    const view = await this.pickUp(runId, by, { askAgain: false });
    const run = this.live.get(runId);
    if (!run) throw notAwaiting(view, "events");
    return run;
  }

  private async pickUp(runId: string, by: string, options: ResumeOptions & { askAgain: boolean }): Promise<RunView> {
    const seen = await this.store.get(runId);
    if (!seen) throw new RunRefused(`No run with id ${runId}.`, "unknown-run");
    if (endedAsStored(seen)) return seen.view;
    const definition = this.definitionOf(seen.runbook, seen.target);
    assertSamePlace(runId, seen.place, this.options.azure.place);
    assertSubscription(this.options.azure.subscriptionId, runId, seen.target);
    const lockKey = registryKey(seen.target);
    await this.ownership.lock(lockKey, runId, seen.target, { handOver: !options.abandonedOnly });
    // Read again under the lock: its holder may have moved it on since (asked for approval, ended it); go on from there.
    const record = (await this.store.get(runId)) ?? seen;
    if (endedAsStored(record)) {
      await this.ownership.release(lockKey, runId);
      return record.view;
    }
    // A run stored before places were recorded acts where it is picked up from now on, and stays there.
    record.place ??= this.options.azure.place;
    if (options.selfApprove !== undefined) record.selfApprove = options.selfApprove;
    if (options.askAgain) await this.ledger.askAgainIfExpired(record);
    await this.write(
      { runId, actor: by, action: "run-resume", outcome: "resumed" },
      { from: record.view.currentStepId ?? null },
    );
    return this.live.launch(record, definition, lockKey, record.snapshot ?? undefined);
  }

  private definitionOf(id: RunbookId, target: RunTarget): RunbookDefinition {
    const definition = this.options.runbooks[id];
    if (!definition) throw new RunRefused(`No runbook named ${id}.`, "unknown-run");
    return formFor(definition, target);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("the run engine is closed");
  }
}

export function createRunEngine(options: RunEngineOptions): RunEngine & SharedRuns {
  return new SqliteRunEngine(options);
}
