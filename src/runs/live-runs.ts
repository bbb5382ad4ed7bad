// The live-run loop: the runs this process drives. Each is an XState actor whose every snapshot is persisted, turned
// into a RunView, audited (changes, Azure writes, the end) and handed to the drivers that follow the run.
import { createActor, type AnyActorRef, type AnyMachineSnapshot, type Subscription } from "xstate";
import type { CmkAzure } from "../azure/types.js";
import type {
  RunbookActorOptions,
  RunbookContextBase,
  RunbookDefinition,
  RunbookEvent,
  RunbookInput,
} from "../machines/protocol.js";
import type { ApprovalLedger } from "./approval-ledger.js";
import { guardPort, type AzureResponseRecorder } from "./azure-calls.js";
import { ENGINE_ACTOR, type Clock, type Journal } from "./run-journal.js";
import type { DrivenRun, RunOwnership } from "./run-ownership.js";
import { invocationIn } from "./run-place.js";
import { hasEnded } from "./run-status.js";
import { RunTimers } from "./run-timers.js";
import type { RunRecord } from "./run-store.js";
import { StoreConflict, type RunRecordStore } from "./store.js";
import { buildRunView, isSettled, type MachineFacts } from "./run-view.js";
import type { RunView } from "./types.js";

interface ChangeInProgress {
  stateId: string;
  errorBefore: string | undefined;
  requestIds: string[];
}

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
}

function factsOf(snapshot: AnyMachineSnapshot, crashed?: string): MachineFacts {
  const value = typeof snapshot.value === "string" ? snapshot.value : JSON.stringify(snapshot.value);
  return {
    value,
    final: snapshot.status === "done",
    ...(crashed !== undefined ? { crashed } : {}),
    tags: [...snapshot.tags],
    hasChildren: Object.keys(snapshot.children).length > 0,
    context: snapshot.context as RunbookContextBase,
  };
}

export class LiveRuns {
  private readonly runs = new Map<string, LiveRun>();

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
          if (!run.stopped && !this.o.closed() && this.stillOurs(run)) this.noteExpiry(run);
        },
      }),
      stopped: false,
      endedNow: () => run.crashed !== undefined || (run.actor.getSnapshot() as AnyMachineSnapshot).status === "done",
      ...(record.visited.length > 0 ? { lastValue: record.visited[record.visited.length - 1] } : {}),
    };
    const azure = guardPort(
      this.o.azure,
      {
        beforeWrite: (method, resource) => {
          // A stopped run's orphaned promise must not change Azure after its engine let go of the run, nor may a copy
          // whose run another process has taken over (checked last thing before the request leaves).
          if (run.stopped || this.o.closed() || !this.stillOurs(run)) {
            throw new Error(`run ${record.id} is stopped; ${method} was not sent`);
          }
          this.persist(run);
          void resource;
        },
        afterWrite: (method, resource, outcome, requestIds) => {
          run.change?.requestIds.push(...requestIds);
          if (this.o.closed()) return;
          this.o.write(
            { runId: record.id, actor: run.lastApprovedBy ?? record.requester, action: "azure-write", outcome },
            { method, resource, step: run.lastValue ?? null },
            requestIds[requestIds.length - 1],
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
  stillOurs(run: LiveRun): boolean {
    if (run.stopped) return false;
    if (this.o.ownership.holds(run.lockKey)) return true;
    this.letGo(run);
    return false;
  }

  /** The request lapsed: audited once, and a new view (same request, now past its expiry) for every driver. */
  noteExpiry(run: LiveRun): void {
    const { record } = run;
    if (!record.approval || !this.o.ledger.recordExpiry(record.id, record.approval)) return;
    record.updatedAt = this.o.clock.now().toISOString();
    record.view = { ...record.view, updatedAt: record.updatedAt };
    if (!this.saved(run)) return;
    for (const listener of run.listeners) listener(record.view);
  }

  /** Keeps this process's locks alive and stops driving the runs another process took over (the machine slept). */
  beat(): void {
    const lost = this.o.ownership.heartbeat(
      this.all()
        .filter((run) => !run.stopped)
        .map((run) => run.lockKey),
    );
    for (const run of this.all()) {
      if (lost.includes(run.lockKey)) this.letGo(run);
    }
  }

  /** Stops every run without finishing it; each stays resumable from its last snapshot. */
  stopAll(by: string): void {
    for (const run of this.all()) this.interrupt(run, by);
    this.runs.clear();
  }

  /**
   * Stops driving `run` where it stands. A run this process was moving (running, or in a durable wait) is stored as
   * "stopped", so `runs list` does not show it running for ever; one that waits for a person stays as it is.
   */
  interrupt(run: LiveRun, by: string): RunView {
    const moving =
      !run.stopped && !run.endedNow() && (run.record.status === "running" || run.record.status === "waiting");
    const ours = moving && this.o.ownership.holds(run.lockKey);
    this.stop(run);
    this.runs.delete(run.record.id);
    if (!ours || this.o.closed()) return this.o.store.get(run.record.id)?.view ?? run.record.view;
    const { record } = run;
    record.status = "stopped";
    record.updatedAt = this.o.clock.now().toISOString();
    record.view = { ...record.view, status: "stopped", busy: false, updatedAt: record.updatedAt };
    this.o.store.save(record);
    this.o.write(
      { runId: record.id, actor: by, action: "run-stop", outcome: "stopped" },
      { step: record.view.currentStepId ?? null },
    );
    for (const listener of run.listeners) listener(record.view);
    return record.view;
  }

  private onSnapshot(run: LiveRun, snapshot: AnyMachineSnapshot): void {
    if (run.stopped) return;
    const facts = factsOf(snapshot, run.crashed);
    const { record } = run;
    const now = this.o.clock.now();
    const entered = facts.value !== run.lastValue;
    const context = facts.context;

    if (entered && run.change && run.change.stateId !== facts.value) this.endChange(run, facts);
    if (entered) {
      record.visited = [...record.visited, facts.value];
      run.lastValue = facts.value;
    }
    const startsChange = facts.tags.includes("change") && (!run.change || run.change.stateId !== facts.value);
    if (startsChange) {
      run.change = { stateId: facts.value, errorBefore: JSON.stringify(context.lastError), requestIds: [] };
    }

    if (facts.tags.includes("approval") && context.pendingApproval) {
      this.o.ledger.requested(record, context.pendingApproval, now);
    } else {
      record.approval = undefined;
    }

    record.snapshot = run.crashed === undefined ? run.actor.getPersistedSnapshot() : record.snapshot;
    if (run.crashed !== undefined) record.crashed = run.crashed;
    record.deadline = context.deadline;
    record.updatedAt = now.toISOString();
    const incident = record.view.incident;
    record.view = buildRunView(
      {
        id: record.id,
        definition: run.definition,
        requester: record.requester,
        driver: record.driver,
        dryRun: record.dryRun,
        ...(record.place ? { place: record.place } : {}),
        visited: record.visited,
        ...(record.approval ? { approval: record.approval } : {}),
        ...(record.presetChoices ? { presetChoices: record.presetChoices } : {}),
        startedAt: record.startedAt,
        updatedAt: record.updatedAt,
      },
      facts,
    );
    // The diagnosis a run started from is not machine state: it rides along on the view.
    if (incident) record.view.incident = incident;
    const wasEnded = hasEnded(record.status);
    record.status = record.view.status;
    if (!this.saved(run)) return;
    // Audited once the run is stored at the change: a process killed after this line leaves a run stored as working
    // (a replica's sweep picks it up), never one stored as waiting for an approval its trail says was given.
    if (startsChange) {
      this.o.write(
        { runId: record.id, actor: run.lastApprovedBy ?? record.requester, action: "change-start", outcome: "started" },
        {
          step: facts.value,
          title: run.definition.steps.find((step) => step.id === facts.value)?.title ?? facts.value,
          resumed: !entered,
        },
      );
    }

    const ended = facts.final || run.crashed !== undefined;
    if (ended && !wasEnded) {
      this.o.write(
        { runId: record.id, actor: ENGINE_ACTOR, action: "run-end", outcome: record.status },
        {
          state: facts.value,
          summary: context.outcome?.summary ?? null,
        },
      );
    }
    if (ended) {
      run.timers.clear();
      this.o.ownership.release(run.lockKey, run.record.id);
    } else {
      run.timers.sync({
        deadline: facts.context.deadline,
        waiting: facts.tags.includes("wait"),
        approvalExpiresAt: run.record.approval?.expiresAt,
      });
    }
    for (const listener of run.listeners) listener(record.view);
    if (isSettled(record.view.status)) this.wake(run);
  }

  private endChange(run: LiveRun, facts: MachineFacts): void {
    const change = run.change!;
    run.change = undefined;
    const error = facts.context.lastError;
    const failed = error !== undefined && JSON.stringify(error) !== change.errorBefore;
    const requestId = failed && error?.requestId ? error.requestId : change.requestIds[change.requestIds.length - 1];
    this.o.write(
      {
        runId: run.record.id,
        actor: run.lastApprovedBy ?? run.record.requester,
        action: "change-end",
        outcome: failed ? `failed: ${error!.cause}` : "succeeded",
      },
      {
        step: change.stateId,
        next: facts.value,
        requestIds: change.requestIds,
        ...(failed ? { error: error!.message } : {}),
      },
      requestId,
    );
  }

  private onCrash(run: LiveRun, error: unknown): void {
    run.crashed = `The runbook stopped on an internal error: ${error instanceof Error ? error.message : String(error)}`;
    this.refresh(run);
  }

  private stop(run: LiveRun): void {
    run.timers.clear();
    run.stopped = true;
    run.subscription?.unsubscribe();
    run.actor.stop();
    this.o.ownership.release(run.lockKey, run.record.id);
    this.wake(run);
  }

  private wake(run: LiveRun): void {
    const waiters = run.waiters.splice(0);
    for (const resolve of waiters) resolve(run.record.view);
  }

  /** The snapshot before a side effect. `updatedAt` stays: it dates the view, which drivers compare to notice moves. */
  private persist(run: LiveRun): void {
    run.record.snapshot = run.actor.getPersistedSnapshot();
    this.o.store.save(run.record);
  }

  /** A shared store refuses a copy another process changed since this one read it: let go of it, never overwrite. */
  private saved(run: LiveRun): boolean {
    try {
      this.o.store.save(run.record);
      return true;
    } catch (error) {
      if (!(error instanceof StoreConflict)) throw error;
      this.letGo(run);
      return false;
    }
  }

  /** Stops driving a run another process has (or that ended); subscribers see the run as stored if it moved. */
  private letGo(run: LiveRun): void {
    this.stop(run);
    this.runs.delete(run.record.id);
    const stored = this.o.store.get(run.record.id);
    if (!stored || (stored.updatedAt === run.record.updatedAt && stored.status === run.record.status)) return;
    for (const listener of run.listeners) listener(stored.view);
  }
}
