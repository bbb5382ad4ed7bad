// The live-run loop: the runs this process drives. Each is an XState actor whose every snapshot is persisted, turned
// into a RunView, audited (changes, Azure writes, the end) and handed to the drivers that follow the run. XState calls
// back synchronously; what a snapshot must write goes through the run's write queue (run-writes.ts), in order, and
// drivers hear of a view once it is stored. Before an Azure write leaves, the queue is flushed and the lease fenced.
import { createActor, type AnyActorRef, type AnyMachineSnapshot, type Subscription } from "xstate";
import type { CmkAzure } from "../azure/types.js";
import type { RunbookActorOptions, RunbookDefinition, RunbookEvent, RunbookInput } from "../machines/protocol.js";
import type { ApprovalLedger } from "./approval-ledger.js";
import { guardPort, type AzureResponseRecorder } from "./azure-calls.js";
import { ENGINE_ACTOR, type Clock, type Journal } from "./run-journal.js";
import type { DrivenRun, RunOwnership } from "./run-ownership.js";
import { invocationIn } from "./run-place.js";
import { hasEnded } from "./run-status.js";
import { RunTimers } from "./run-timers.js";
import type { RunRecord } from "./run-store.js";
import { RunQueues } from "./run-queues.js";
import { StoreConflict, type RunRecordStore } from "./store.js";
import { changeEnd, changeStart, factsOf, type ChangeEntry, type ChangeInProgress } from "./run-changes.js";
import { isSettled, recordView } from "./run-view.js";
import type { RunView } from "./types.js";

export interface LiveRun extends DrivenRun {
  record: RunRecord;
  definition: RunbookDefinition;
  actor: AnyActorRef;
  subscription?: Subscription;
  listeners: Set<(view: RunView) => void>;
  waiters: Array<(view: RunView) => void>;
  lockKey: string;
  lastValue?: string;
  change?: ChangeInProgress;
  lastApprovedBy?: string;
  crashed?: string;
  timers: RunTimers;
  stopped: boolean;
  /** A save lost an ETag race: another process has the run. Nothing more of this copy is written. */
  lost?: boolean;
}

export interface LiveRunsOptions {
  azure: CmkAzure;
  clock: Clock;
  store: RunRecordStore;
  ledger: ApprovalLedger;
  ownership: RunOwnership;
  write: Journal;
  pollIntervalMs: number;
  responses?: AzureResponseRecorder;
  actorOptions?: RunbookActorOptions;
  /** The engine was closed: nothing may be sent or written any more. */
  closed(): boolean;
  /** A write of a run failed for another reason than a lost race (the store is unreachable): the run was let go. */
  onWriteFailed?(runId: string, error: unknown): void;
}

export class LiveRuns {
  private readonly runs = new Map<string, LiveRun>();
  private readonly writes = new RunQueues();

  constructor(private readonly o: LiveRunsOptions) {}

  get(runId: string): LiveRun | undefined {
    return this.runs.get(runId);
  }

  all(): LiveRun[] {
    return [...this.runs.values()];
  }

  /** Starts driving `record` from `snapshot` (a new run when undefined). */
  launch(
    record: RunRecord,
    definition: RunbookDefinition,
    lockKey: string,
    snapshot: unknown,
    hints?: Record<string, string>,
  ): RunView {
    const { clock } = this.o;
    const run: LiveRun = {
      record,
      definition,
      actor: undefined as unknown as AnyActorRef,
      listeners: new Set(),
      waiters: [],
      lockKey,
      timers: new RunTimers(this.o.pollIntervalMs, {
        now: () => clock.now(),
        onPoll: () => this.send(run, { type: "POLL" }),
        onDeadline: () => this.send(run, { type: "DEADLINE" }),
        onApprovalExpired: () => {
          void this.expiredByTimer(run);
        },
      }),
      stopped: false,
      endedNow: () => run.crashed !== undefined || (run.actor.getSnapshot() as AnyMachineSnapshot).status === "done",
      ...(record.visited.length > 0 ? { lastValue: record.visited[record.visited.length - 1] } : {}),
    };
    const azure = guardPort(
      this.o.azure,
      {
        beforeWrite: async (method) => {
          // A stopped run's orphaned promise must not change Azure after its engine let go of the run, nor may a copy
          // whose run another process has taken over: every pending write lands first, then the snapshot, then the
          // lease is renewed, last thing before the request leaves.
          const refused = () => new Error(`run ${record.id} is stopped; ${method} was not sent`);
          if (run.stopped || this.o.closed()) throw refused();
          await this.persist(run);
          if (run.stopped || run.lost || this.o.closed() || !(await this.stillOurs(run))) throw refused();
        },
        afterWrite: (method, resource, outcome, requestIds) => {
          run.change?.requestIds.push(...requestIds);
          if (this.o.closed()) return;
          const actor = run.lastApprovedBy ?? record.requester;
          this.queue(run, () =>
            this.o.write(
              { runId: record.id, actor, action: "azure-write", outcome },
              { method, resource, step: run.lastValue ?? null },
              requestIds[requestIds.length - 1],
            ),
          );
        },
      },
      this.o.responses,
    );
    // Records the machine stamps (log, deadlines) follow the engine's clock: a sandbox's simulated time, or a test's.
    const machine = (definition.machineWithClock?.(this.o.clock) ?? definition.machine).provide({
      actors: definition.actors(azure, this.o.actorOptions),
    } as never);
    const input: RunbookInput = {
      target: record.target,
      requester: record.requester,
      dryRun: false,
      ...(hints ? { hints } : {}),
      // Commands the run's messages name reach the registry where this run acts.
      invocation: invocationIn(record.place ?? this.o.azure.place, record.target.subscriptionId),
    };
    run.actor =
      snapshot === undefined
        ? createActor(machine, { input })
        : createActor(machine, { input, snapshot: snapshot as AnyMachineSnapshot });
    this.runs.set(record.id, run);
    run.subscription = run.actor.subscribe({
      next: (next) => this.onSnapshot(run, next as AnyMachineSnapshot),
      error: (error) => this.onCrash(run, error),
    });
    run.actor.start();
    return run.record.view;
  }

  /** Re-reads the actor's current snapshot: a new view for every driver (after a person came back, say). */
  refresh(run: LiveRun): void {
    this.onSnapshot(run, run.actor.getSnapshot() as AnyMachineSnapshot);
  }

  send(run: LiveRun, event: RunbookEvent): void {
    if (run.stopped || this.o.closed()) return;
    run.actor.send(event);
  }

  /**
   * Whether this engine still holds the run's registry lock. When another process took the run over, this engine lets
   * go of its copy, so it never acts on a stale picture of the run.
   */
  async stillOurs(run: LiveRun): Promise<boolean> {
    if (run.stopped) return false;
    if (await this.o.ownership.holds(run.lockKey)) return true;
    await this.letGo(run);
    return false;
  }

  /**
   * Runs `work` in the run's write queue, after everything its machine produced so far has landed: an engine action
   * (an approval's audit entry, say) keeps its place among the run's own writes. Skipped for a copy that lost its run.
   */
  async enqueue(run: LiveRun, work: () => Promise<void>): Promise<void> {
    await this.writes.run(run.record.id, async () => {
      if (!run.lost) await work();
    });
  }

  /** Resolves once every write queued so far for the run has landed (or failed). */
  flushed(runId: string): Promise<void> {
    return this.writes.flushed(runId);
  }

  /** The request lapsed: audited once, and a new view (same request, now past its expiry) for every driver. */
  async noteExpiry(run: LiveRun): Promise<void> {
    await this.enqueue(run, async () => {
      const { record } = run;
      if (!record.approval || !(await this.o.ledger.recordExpiry(record.id, record.approval))) return;
      record.updatedAt = this.o.clock.now().toISOString();
      record.view = { ...record.view, updatedAt: record.updatedAt };
      await this.o.store.save({ ...record });
      for (const listener of run.listeners) listener(record.view);
    }).catch((error: unknown) => this.failed(run, error));
  }

  /** Keeps this process's locks alive and stops driving the runs another process took over (the machine slept). */
  async beat(): Promise<void> {
    const driven = this.all().filter((run) => !run.stopped);
    if (driven.length === 0) return;
    let lost: string[];
    try {
      lost = await this.o.ownership.heartbeat(driven.map((run) => run.lockKey));
    } catch {
      // The store did not answer: the next beat asks again; a lease that lapsed meanwhile is found lost then.
      return;
    }
    await Promise.all(driven.filter((run) => lost.includes(run.lockKey)).map((run) => this.letGo(run)));
  }

  /** Stops every run without finishing it; each stays resumable from its last snapshot. */
  async stopAll(by: string): Promise<void> {
    await Promise.all(this.all().map((run) => this.interrupt(run, by)));
    this.runs.clear();
    await this.writes.idle();
  }

  /**
   * Stops driving `run` where it stands. A run this process was moving (running, or in a durable wait) is stored as
   * "stopped", so `runs list` does not show it running for ever; one that waits for a person stays as it is.
   */
  async interrupt(run: LiveRun, by: string): Promise<RunView> {
    const moving =
      !run.stopped && !run.endedNow() && (run.record.status === "running" || run.record.status === "waiting");
    // Still ours, unless the store cannot say: then the run stays as stored, for whoever picks it up.
    const ours = moving && (await this.o.ownership.holds(run.lockKey).catch(() => false));
    this.stop(run, { release: false });
    this.runs.delete(run.record.id);
    const { record } = run;
    const stopped = await this.writes
      .run(record.id, async () => {
        if (!ours || run.lost || this.o.closed()) return (await this.o.store.get(record.id))?.view ?? record.view;
        record.status = "stopped";
        record.updatedAt = this.o.clock.now().toISOString();
        record.view = { ...record.view, status: "stopped", busy: false, updatedAt: record.updatedAt };
        await this.o.store.save({ ...record });
        await this.o.write(
          { runId: record.id, actor: by, action: "run-stop", outcome: "stopped" },
          { step: record.view.currentStepId ?? null },
        );
        for (const listener of run.listeners) listener(record.view);
        return record.view;
      })
      .catch(() => record.view);
    this.release(run);
    await this.writes.flushed(record.id);
    return stopped;
  }

  private onSnapshot(run: LiveRun, snapshot: AnyMachineSnapshot): void {
    if (run.stopped) return;
    const facts = factsOf(snapshot, run.crashed);
    const { record } = run;
    const now = this.o.clock.now();
    const entered = facts.value !== run.lastValue;
    const context = facts.context;
    const actor = run.lastApprovedBy ?? record.requester;
    // Written after the record, in the run's queue: a process killed in between leaves the run stored as it is now
    // (running, say), so another process takes it over, instead of an audited step on a record that still waits.
    const entries: Array<() => Promise<void>> = [];
    const audit = ({ entry, details, requestId }: ChangeEntry) =>
      entries.push(() => this.o.write(entry, details, requestId));
    if (entered && run.change && run.change.stateId !== facts.value) {
      audit(changeEnd(record.id, actor, run.change, facts));
      run.change = undefined;
    }
    if (entered) {
      record.visited = [...record.visited, facts.value];
      run.lastValue = facts.value;
    }
    if (facts.tags.includes("change") && (!run.change || run.change.stateId !== facts.value)) {
      const started = changeStart(record.id, actor, run.definition, facts, !entered);
      run.change = started.change;
      audit(started.audit);
    }

    const pending = context.pendingApproval;
    if (facts.tags.includes("approval") && pending) {
      if (this.o.ledger.stamp(record, pending, now)) {
        const stamp = record.approval!;
        entries.push(() => this.o.ledger.requested(record.id, pending, stamp));
      }
    } else {
      record.approval = undefined;
    }

    record.snapshot = run.crashed === undefined ? run.actor.getPersistedSnapshot() : record.snapshot;
    if (run.crashed !== undefined) record.crashed = run.crashed;
    record.deadline = context.deadline;
    record.updatedAt = now.toISOString();
    record.view = recordView(record, run.definition, facts);
    const wasEnded = hasEnded(record.status);
    record.status = record.view.status;

    const ended = facts.final || run.crashed !== undefined;
    if (ended) run.timers.clear();
    else {
      run.timers.sync({
        deadline: facts.context.deadline,
        waiting: facts.tags.includes("wait"),
        approvalExpiresAt: run.record.approval?.expiresAt,
      });
    }
    // The record as it is now (its fields are replaced, never changed in place): the next snapshot may come first.
    const stored = { ...record };
    const view = record.view;
    this.queue(run, async () => {
      await this.o.store.save(stored);
      for (const write of entries) await write();
      if (ended && !wasEnded) {
        await this.o.write(
          { runId: record.id, actor: ENGINE_ACTOR, action: "run-end", outcome: stored.status },
          { state: facts.value, summary: context.outcome?.summary ?? null },
        );
      }
      if (ended) await this.o.ownership.release(run.lockKey, run.record.id);
      if (run.stopped) return;
      for (const listener of run.listeners) listener(view);
      if (isSettled(view.status)) this.wake(run);
    });
  }

  private onCrash(run: LiveRun, error: unknown): void {
    run.crashed = `The runbook stopped on an internal error: ${error instanceof Error ? error.message : String(error)}`;
    this.refresh(run);
  }

  /** `release`: free the run's lock once its queued writes have landed (an interrupt writes "stopped" first). */
  private stop(run: LiveRun, options: { release: boolean } = { release: true }): void {
    run.timers.clear();
    run.stopped = true;
    run.subscription?.unsubscribe();
    run.actor.stop();
    if (options.release) this.release(run);
    this.wake(run);
  }

  private release(run: LiveRun): void {
    void this.writes
      .run(run.record.id, () => this.o.ownership.release(run.lockKey, run.record.id))
      .catch(() => undefined);
  }

  /** A run's write, in its queue; a failure lets go of the run (see `failed`). */
  private queue(run: LiveRun, work: () => Promise<void>): void {
    this.enqueue(run, work).catch((error: unknown) => this.failed(run, error));
  }

  /**
   * A write of the run did not land. A lost ETag race: another process has the run; let go of this copy, never
   * overwrite. Anything else (the store unreachable after its retries): stop driving it here; it stays as last stored,
   * resumable, and its lease lapses for another process to take it over.
   */
  private async failed(run: LiveRun, error: unknown): Promise<void> {
    if (run.lost || run.stopped) return;
    run.lost = true;
    if (error instanceof StoreConflict) return this.letGo(run);
    this.stop(run);
    this.runs.delete(run.record.id);
    this.o.onWriteFailed?.(run.record.id, error);
  }

  private async expiredByTimer(run: LiveRun): Promise<void> {
    try {
      if (!run.stopped && !this.o.closed() && (await this.stillOurs(run))) await this.noteExpiry(run);
    } catch (error) {
      await this.failed(run, error);
    }
  }

  private wake(run: LiveRun): void {
    const waiters = run.waiters.splice(0);
    for (const resolve of waiters) resolve(run.record.view);
  }

  /**
   * The snapshot before a side effect, written after every pending write of the run. `updatedAt` stays: it dates the
   * view, which drivers compare to notice moves.
   */
  private async persist(run: LiveRun): Promise<void> {
    run.record.snapshot = run.actor.getPersistedSnapshot();
    const stored = { ...run.record };
    try {
      await this.enqueue(run, () => this.o.store.save(stored));
    } catch (error) {
      await this.failed(run, error);
      throw error;
    }
  }

  /** Stops driving a run another process has (or that ended); subscribers see the run as stored if it moved. */
  private async letGo(run: LiveRun): Promise<void> {
    this.stop(run);
    if (this.runs.get(run.record.id) === run) this.runs.delete(run.record.id);
    const stored = await this.o.store.get(run.record.id).catch(() => undefined);
    if (!stored || (stored.updatedAt === run.record.updatedAt && stored.status === run.record.status)) return;
    for (const listener of run.listeners) listener(stored.view);
  }
}
