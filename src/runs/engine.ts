// The RunEngine: runs runbook machines, persists every step, asks the approval policy, keeps one run per registry,
// and writes the audit trail. The snapshot is the run; the engine keeps only timers and subscribers in memory.
import { randomBytes } from "node:crypto";
import { createActor, type AnyActorRef, type AnyMachineSnapshot, type Subscription } from "xstate";
import type { CmkAzure } from "../azure/types.js";
import type { RunbookId } from "../diagnosis/types.js";
import type {
  RunbookActorOptions,
  RunbookContextBase,
  RunbookDefinition,
  RunbookEvent,
  RunbookInput,
} from "../machines/protocol.js";
import { checkApproval } from "./approval-policy.js";
import type { AuditRecord } from "./audit-log.js";
import { guardPort, type AzureResponseRecorder } from "./azure-calls.js";
import { openRunBackend } from "./open-store.js";
import { dryRunView } from "./plan.js";
import { registryKey } from "./registry-lock.js";
import { assertSamePlace, continueHint, invocationIn } from "./run-place.js";
import { RunTimers } from "./run-timers.js";
import type { ApprovalStamp, RunRecord } from "./run-store.js";
import { StoreConflict, type AuditChain, type LockTable, type RunBackend, type RunRecordStore } from "./store.js";
import { buildRunView, isSettled, type MachineFacts } from "./run-view.js";
import {
  FINAL_STATUSES,
  RunRefused,
  type AuditEntry,
  type RunEngine,
  type RunRevision,
  type RunSummary,
  type RunPlace,
  type RunTarget,
  type RunView,
  type SharedRuns,
  type StartRunParams,
} from "./types.js";

export interface Clock {
  now(): Date;
}

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
const ENGINE_ACTOR = "acr-cmk";

interface ChangeInProgress {
  stateId: string;
  errorBefore: string | undefined;
  requestIds: string[];
}

interface LiveRun {
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

function defaultRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${stamp}-${randomBytes(3).toString("hex")}`;
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

/**
 * Nothing is in flight while a run waits for a person (an approval, a choice, a retry after an Azure error), so another
 * process may take it over: `acr-cmk runs abort` while the Slack app holds the run, or a second app.
 */
function waitsForPerson(record: RunRecord): boolean {
  if (record.status === "awaiting-approval" || record.status === "awaiting-input") return true;
  return record.status === "failed" && record.view.error !== undefined && record.view.error.cause !== "internal";
}

export class SqliteRunEngine implements RunEngine, SharedRuns {
  private readonly backend: RunBackend;
  private readonly store: RunRecordStore;
  private readonly audit: AuditChain;
  private readonly locks: LockTable;
  private readonly live = new Map<string, LiveRun>();
  private readonly clock: Clock;
  private readonly approvalTtlMs: number;
  private readonly pollIntervalMs: number;
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: RunEngineOptions) {
    this.clock = options.clock ?? { now: () => new Date() };
    this.approvalTtlMs = options.approvalTtlMs ?? DEFAULT_APPROVAL_TTL_MS;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_MS;
    const lockTtlMs = options.lockTtlMs ?? DEFAULT_LOCK_TTL_MS;
    this.backend = openRunBackend(options.home, options.store);
    this.store = this.backend.runs;
    this.audit = this.backend.audit;
    this.locks = this.backend.locks(lockTtlMs, () => this.clock.now());
    this.heartbeat = setInterval(() => this.beat(), Math.max(1000, Math.floor(lockTtlMs / 3)));
    // Heartbeats alone must not keep a finished CLI process alive.
    this.heartbeat.unref();
  }

  async start(params: StartRunParams): Promise<RunView> {
    this.assertOpen();
    const definition = this.definitionOf(params.runbook);
    const now = this.clock.now();
    const id = this.options.newRunId?.() ?? defaultRunId(now);
    if (params.dryRun) return dryRunView(id, definition, params, now);

    this.assertSubscription(id, params.target);
    const place = this.options.azure.place;
    const lockKey = registryKey(params.target);
    this.refuseWhileAnotherRunIsActive(lockKey, now);
    this.lock(lockKey, id);
    const record: RunRecord = {
      id,
      runbook: params.runbook,
      target: params.target,
      place,
      requester: params.requester,
      driver: params.driver,
      dryRun: false,
      selfApprove: Boolean(params.selfApprove),
      status: "running",
      snapshot: null,
      visited: [],
      view: dryRunView(id, definition, params, now),
      startedAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    record.view = { ...record.view, place, status: "running", outcome: undefined, dryRun: false };
    this.store.save(record);
    this.write(
      { runId: id, actor: params.requester, action: "run-start", outcome: "started" },
      {
        runbook: params.runbook,
        target: params.target,
        place,
        driver: params.driver,
        selfApprove: record.selfApprove,
      },
    );
    return this.launch(record, definition, lockKey, undefined, params.hints);
  }

  async resume(runId: string, by: string, options: { selfApprove?: boolean } = {}): Promise<RunView> {
    this.assertOpen();
    const running = this.live.get(runId);
    if (running && this.stillOurs(running)) {
      if (options.selfApprove !== undefined) running.record.selfApprove = options.selfApprove;
      // A person came back: an expired approval request is asked again with a fresh expiry.
      this.askAgainIfExpired(running.record);
      this.onSnapshot(running, running.actor.getSnapshot() as AnyMachineSnapshot);
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
      if (options.fingerprint !== undefined && this.wasApproved(runId, options.fingerprint)) return view;
      throw this.notAwaiting(view, "approval");
    }
    try {
      checkApproval(
        { approvers: this.options.approvers ?? [] },
        {
          request,
          by,
          selfApprove: run.record.selfApprove,
          registry: run.record.target.registry,
          now: this.clock.now(),
          ...(options.fingerprint !== undefined ? { fingerprint: options.fingerprint } : {}),
          ...(options.confirmation !== undefined ? { confirmation: options.confirmation } : {}),
        },
      );
    } catch (error) {
      if (error instanceof RunRefused) {
        // The timer may not have fired yet (a clock that jumped, a run picked up after its expiry): note it first.
        if (error.reason === "expired") this.noteExpiry(run);
        this.write(
          { runId, actor: by, action: "approve", outcome: `refused: ${error.reason}` },
          {
            step: request.stepId,
            fingerprint: request.fingerprint,
            message: error.message,
          },
        );
      }
      throw error;
    }
    this.write(
      { runId, actor: by, action: "approve", outcome: "approved" },
      {
        step: request.stepId,
        title: request.title,
        resource: request.resource,
        before: request.before,
        after: request.after,
        az: request.az,
        risk: request.risk,
        irreversible: request.irreversible,
        fingerprint: request.fingerprint,
      },
    );
    run.lastApprovedBy = by;
    this.send(run, { type: "APPROVE", by, fingerprint: request.fingerprint });
    return run.record.view;
  }

  async reject(runId: string, by: string, reason: string): Promise<RunView> {
    const run = await this.liveRun(runId, by);
    const view = run.record.view;
    if (view.status === "rejected") return view;
    if (view.status !== "awaiting-approval" || !view.approval) throw this.notAwaiting(view, "approval");
    const approvers = this.options.approvers ?? [];
    if (by !== run.record.requester && approvers.length > 0 && !approvers.includes(by)) {
      this.write(
        { runId, actor: by, action: "reject", outcome: "refused: not-approver" },
        { step: view.approval.stepId },
      );
      throw new RunRefused(`${by} is not on the approvers list and did not start this run.`, "not-approver");
    }
    this.write({ runId, actor: by, action: "reject", outcome: "rejected" }, { step: view.approval.stepId, reason });
    this.send(run, { type: "REJECT", by, reason });
    return run.record.view;
  }

  async retry(runId: string, by: string): Promise<RunView> {
    const run = await this.liveRun(runId, by);
    const view = run.record.view;
    if (view.status !== "failed" || run.crashed !== undefined || this.isFinalNow(run)) {
      throw this.notAwaiting(view, "a retry");
    }
    this.write({ runId, actor: by, action: "retry", outcome: "requested" }, { step: view.currentStepId ?? null });
    this.send(run, { type: "RETRY", by });
    return run.record.view;
  }

  async abort(runId: string, by: string, reason: string): Promise<RunView> {
    // The store, not a live copy: another process may have aborted the run already.
    const record = this.store.get(runId);
    if (!record) throw new RunRefused(`No run with id ${runId}.`, "unknown-run");
    if (record.status === "aborted") return record.view;
    const run = await this.liveRun(runId, by);
    if (this.isFinalNow(run)) throw this.notAwaiting(run.record.view, "an abort");
    this.write({ runId, actor: by, action: "abort", outcome: "requested" }, { reason });
    this.send(run, { type: "ABORT", by, reason });
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
    this.send(run, { type: "INPUT", by, value });
    return run.record.view;
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
    return this.audit.trail(runId);
  }

  verifyAudit(): { ok: boolean; entries: number; brokenAt?: number } {
    return this.audit.verify();
  }

  revisions(runIds: readonly string[]): Map<string, RunRevision> {
    this.assertOpen();
    return this.store.revisions(runIds);
  }

  reload(runId: string): RunView | undefined {
    this.assertOpen();
    const run = this.live.get(runId);
    if (run && this.stillOurs(run)) return run.record.view;
    return this.store.get(runId)?.view;
  }

  /** Stops every run this engine drives without finishing it; each stays resumable from its last snapshot. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const run of this.live.values()) this.stop(run);
    this.live.clear();
    this.backend.close();
  }

  // --- running a machine -------------------------------------------------------------------------------------------

  private launch(
    record: RunRecord,
    definition: RunbookDefinition,
    lockKey: string,
    snapshot: unknown,
    hints?: Record<string, string>,
  ): RunView {
    const run: LiveRun = {
      record,
      definition,
      actor: undefined as unknown as AnyActorRef,
      listeners: new Set(),
      waiters: [],
      lockKey,
      timers: new RunTimers(this.pollIntervalMs, {
        now: () => this.clock.now(),
        onPoll: () => this.send(run, { type: "POLL" }),
        onDeadline: () => this.send(run, { type: "DEADLINE" }),
        onApprovalExpired: () => {
          if (!run.stopped && !this.closed && this.stillOurs(run)) this.noteExpiry(run);
        },
      }),
      stopped: false,
      ...(record.visited.length > 0 ? { lastValue: record.visited[record.visited.length - 1] } : {}),
    };
    const azure = guardPort(
      this.options.azure,
      {
        beforeWrite: (method, resource) => {
          // A stopped run's orphaned promise must not change Azure after its engine let go of the run, nor may a copy
          // whose run another process has taken over (checked last thing before the request leaves).
          if (run.stopped || this.closed || !this.stillOurs(run)) {
            throw new Error(`run ${record.id} is stopped; ${method} was not sent`);
          }
          this.persist(run);
          void resource;
        },
        afterWrite: (method, resource, outcome, requestIds) => {
          run.change?.requestIds.push(...requestIds);
          if (this.closed) return;
          this.write(
            { runId: record.id, actor: run.lastApprovedBy ?? record.requester, action: "azure-write", outcome },
            { method, resource, step: run.lastValue ?? null },
            requestIds[requestIds.length - 1],
          );
        },
      },
      this.options.responses,
    );
    const machine = definition.machine.provide({
      actors: definition.actors(azure, this.options.actorOptions),
    } as never);
    const input: RunbookInput = {
      target: record.target,
      requester: record.requester,
      dryRun: false,
      ...(hints ? { hints } : {}),
    };
    run.actor =
      snapshot === undefined
        ? createActor(machine, { input })
        : createActor(machine, { input, snapshot: snapshot as AnyMachineSnapshot });
    this.live.set(record.id, run);
    run.subscription = run.actor.subscribe({
      next: (next) => this.onSnapshot(run, next as AnyMachineSnapshot),
      error: (error) => this.onCrash(run, error),
    });
    run.actor.start();
    return run.record.view;
  }

  private onSnapshot(run: LiveRun, snapshot: AnyMachineSnapshot): void {
    if (run.stopped) return;
    const facts = factsOf(snapshot, run.crashed);
    const { record } = run;
    const now = this.clock.now();
    const entered = facts.value !== run.lastValue;
    const context = facts.context;

    if (entered && run.change && run.change.stateId !== facts.value) this.endChange(run, facts);
    if (entered) {
      record.visited = [...record.visited, facts.value];
      run.lastValue = facts.value;
    }
    if (facts.tags.includes("change") && (!run.change || run.change.stateId !== facts.value)) {
      run.change = { stateId: facts.value, errorBefore: JSON.stringify(context.lastError), requestIds: [] };
      this.write(
        { runId: record.id, actor: run.lastApprovedBy ?? record.requester, action: "change-start", outcome: "started" },
        {
          step: facts.value,
          title: this.titleOf(run, facts.value),
          resumed: !entered,
        },
      );
    }

    if (facts.tags.includes("approval") && context.pendingApproval) {
      const pending = context.pendingApproval;
      const stamp = record.approval;
      if (!stamp || stamp.stepId !== pending.stepId || stamp.fingerprint !== pending.fingerprint) {
        record.approval = {
          stepId: pending.stepId,
          fingerprint: pending.fingerprint,
          requestedAt: now.toISOString(),
          expiresAt: new Date(now.getTime() + this.approvalTtlMs).toISOString(),
        };
        this.write(
          { runId: record.id, actor: ENGINE_ACTOR, action: "approval-requested", outcome: "waiting" },
          {
            step: pending.stepId,
            title: pending.title,
            resource: pending.resource,
            risk: pending.risk,
            irreversible: pending.irreversible,
            fingerprint: pending.fingerprint,
            expiresAt: record.approval.expiresAt,
          },
        );
      }
    } else {
      record.approval = undefined;
    }

    record.snapshot = run.crashed === undefined ? run.actor.getPersistedSnapshot() : record.snapshot;
    record.deadline = context.deadline;
    record.updatedAt = now.toISOString();
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
        startedAt: record.startedAt,
        updatedAt: record.updatedAt,
      },
      facts,
    );
    const wasFinal = FINAL_STATUSES.includes(record.status) && record.status !== "failed";
    record.status = record.view.status;
    if (!this.saved(run)) return;

    const ended = facts.final || run.crashed !== undefined;
    if (ended && !wasFinal) {
      this.write(
        { runId: record.id, actor: ENGINE_ACTOR, action: "run-end", outcome: record.status },
        {
          state: facts.value,
          summary: context.outcome?.summary ?? null,
        },
      );
    }
    if (ended) {
      run.timers.clear();
      this.locks.release(run.lockKey, run.record.id);
    } else {
      this.armTimers(run, facts);
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
    this.write(
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
    this.onSnapshot(run, run.actor.getSnapshot() as AnyMachineSnapshot);
  }

  private armTimers(run: LiveRun, facts: MachineFacts): void {
    run.timers.sync({
      deadline: facts.context.deadline,
      waiting: facts.tags.includes("wait"),
      approvalExpiresAt: run.record.approval?.expiresAt,
    });
  }

  /** The request lapsed: audited once, and a new view (same request, now past its expiry) for every driver. */
  private noteExpiry(run: LiveRun): void {
    const { record } = run;
    if (!record.approval || !this.recordExpiry(record.id, record.approval)) return;
    record.updatedAt = this.clock.now().toISOString();
    record.view = { ...record.view, updatedAt: record.updatedAt };
    if (!this.saved(run)) return;
    for (const listener of run.listeners) listener(record.view);
  }

  /** Writes "approval-expired" unless this very request (step, fingerprint, time asked) already has one. */
  private recordExpiry(runId: string, stamp: ApprovalStamp): boolean {
    return this.backend.exclusive(() => {
      const noted = this.audit
        .trail(runId)
        .some(
          (entry) =>
            entry.action === "approval-expired" &&
            entry.details.step === stamp.stepId &&
            entry.details.fingerprint === stamp.fingerprint &&
            entry.details.requestedAt === stamp.requestedAt,
        );
      if (noted) return false;
      this.write(
        { runId, actor: ENGINE_ACTOR, action: "approval-expired", outcome: "expired" },
        {
          step: stamp.stepId,
          fingerprint: stamp.fingerprint,
          requestedAt: stamp.requestedAt,
          expiresAt: stamp.expiresAt,
        },
      );
      return true;
    });
  }

  /** A person resuming a run whose approval request expired asks again: a fresh request with a new expiry. */
  private askAgainIfExpired(record: RunRecord): void {
    const stamp = record.approval;
    if (!stamp || Date.parse(stamp.expiresAt) >= this.clock.now().getTime()) return;
    this.recordExpiry(record.id, stamp);
    record.approval = undefined;
  }

  private send(run: LiveRun, event: RunbookEvent): void {
    if (run.stopped || this.closed) return;
    run.actor.send(event);
  }

  private stop(run: LiveRun): void {
    run.timers.clear();
    run.stopped = true;
    run.subscription?.unsubscribe();
    run.actor.stop();
    this.locks.release(run.lockKey, run.record.id);
    this.wake(run);
  }

  private wake(run: LiveRun): void {
    const waiters = run.waiters.splice(0);
    for (const resolve of waiters) resolve(run.record.view);
  }

  /** The snapshot before a side effect. `updatedAt` stays: it dates the view, which drivers compare to notice moves. */
  private persist(run: LiveRun): void {
    run.record.snapshot = run.actor.getPersistedSnapshot();
    this.store.save(run.record);
  }

  /** A shared store refuses a copy another process changed since this one read it: let go of it, never overwrite. */
  private saved(run: LiveRun): boolean {
    try {
      this.store.save(run.record);
      return true;
    } catch (error) {
      if (!(error instanceof StoreConflict)) throw error;
      this.letGo(run);
      return false;
    }
  }

  private beat(): void {
    if (this.closed) return;
    const lost = this.locks.heartbeat([...this.live.values()].filter((run) => !run.stopped).map((run) => run.lockKey));
    // Another process took over a lock we let lapse (e.g. the machine slept): stop driving that run.
    for (const run of [...this.live.values()]) {
      if (lost.includes(run.lockKey)) this.letGo(run);
    }
  }

  // --- helpers -----------------------------------------------------------------------------------------------------

  private async liveRun(runId: string, by: string): Promise<LiveRun> {
    this.assertOpen();
    const existing = this.live.get(runId);
    if (existing && this.stillOurs(existing)) return existing;
    // A driver acting on a run this process is not driving (Slack after a restart, or a run another process moved):
    // pick it up as stored. Its approval request keeps its expiry; only a person resuming asks again.
    const view = this.pickUp(runId, by, { askAgain: false });
    const run = this.live.get(runId);
    if (!run) throw this.notAwaiting(view, "events");
    return run;
  }

  private pickUp(runId: string, by: string, options: { askAgain: boolean; selfApprove?: boolean }): RunView {
    const record = this.store.get(runId);
    if (!record) throw new RunRefused(`No run with id ${runId}.`, "unknown-run");
    if (FINAL_STATUSES.includes(record.status) && record.snapshot !== null && this.isMachineFinal(record)) {
      return record.view;
    }
    const definition = this.definitionOf(record.runbook);
    assertSamePlace(runId, record.place, this.options.azure.place);
    this.assertSubscription(runId, record.target);
    // A run stored before places were recorded acts where it is picked up from now on, and stays there.
    record.place ??= this.options.azure.place;
    const lockKey = registryKey(record.target);
    this.lock(lockKey, runId);
    if (options.selfApprove !== undefined) record.selfApprove = options.selfApprove;
    if (options.askAgain) this.askAgainIfExpired(record);
    this.write(
      { runId, actor: by, action: "run-resume", outcome: "resumed" },
      { from: record.view.currentStepId ?? null },
    );
    return this.launch(record, definition, lockKey, record.snapshot ?? undefined);
  }

  /**
   * Whether this engine still holds the run's registry lock. When another process took the run over (see `lock`), this
   * engine lets go of its copy, so it never acts on a stale picture of the run.
   */
  private stillOurs(run: LiveRun): boolean {
    if (run.stopped) return false;
    if (this.locks.heartbeat([run.lockKey]).length === 0) return true;
    this.letGo(run);
    return false;
  }

  /** Stops driving a run another process has (or that ended); subscribers see the run as stored if it moved. */
  private letGo(run: LiveRun): void {
    this.stop(run);
    this.live.delete(run.record.id);
    const stored = this.store.get(run.record.id);
    if (!stored || (stored.updatedAt === run.record.updatedAt && stored.status === run.record.status)) return;
    for (const listener of run.listeners) listener(stored.view);
  }

  /**
   * One active run per registry. The lock covers runs a process is driving; a run that has asked a person to approve
   * or choose is active too, even when no process drives it (the CLI exited, Slack waits for an approver): a second
   * run would change the state that request was computed from. Such a request lapses with the approval TTL.
   */
  private refuseWhileAnotherRunIsActive(key: string, now: Date): void {
    // A run this process drives holds its registry until its machine ends: one stopped at an error waits for RETRY.
    for (const run of this.live.values()) {
      if (!run.stopped && registryKey(run.record.target) === key && !this.isFinalNow(run)) {
        throw this.busyWith(run.record.id, run.record.status, run.record.requester, run.record.place);
      }
    }
    for (const run of this.store.list()) {
      if (registryKey(run.target) !== key) continue;
      if (run.status !== "awaiting-approval" && run.status !== "awaiting-input") continue;
      // An approval request lapses at its own expiry; a question without one, an approval TTL after it was asked.
      const lapsesAt =
        this.store.get(run.id)?.approval?.expiresAt ?? new Date(Date.parse(run.updatedAt) + this.approvalTtlMs);
      if (new Date(lapsesAt).getTime() > now.getTime())
        throw this.busyWith(run.id, run.status, run.requester, this.store.get(run.id)?.place);
    }
  }

  private busyWith(runId: string, status: RunView["status"], requester: string, place?: RunPlace): RunRefused {
    const waitsFor =
      status === "awaiting-approval"
        ? "waits for approval"
        : status === "awaiting-input"
          ? "waits for a choice"
          : status === "failed"
            ? "stopped at an error and waits for a retry"
            : status;
    return new RunRefused(
      `Registry is busy: run ${runId} (requested by ${requester}) ${waitsFor}. ` +
        `${continueHint(runId, place ?? this.options.azure.place)}, or stop it with ` +
        `${invocationIn(place ?? this.options.azure.place)} runs abort ${runId} --reason <why> ` +
        `(in Slack: the run's Abort button, or /acr-cmk abort ${runId} <why>).`,
      "locked",
    );
  }

  private lock(key: string, runId: string): void {
    const result = this.locks.acquire(key, runId, {
      // Read inside the lock's transaction. A holder that was about to start a change finds its lock gone before the
      // Azure write leaves (beforeWrite), so the change never runs in two places.
      takeOver: (holder) => {
        const stored = holder.runId === runId ? this.store.get(runId) : undefined;
        return stored !== undefined && waitsForPerson(stored);
      },
    });
    if (result.acquired) {
      if (result.handedOver) {
        this.write(
          { runId, actor: ENGINE_ACTOR, action: "lock-handover", outcome: "taken over while waiting for a person" },
          { ownerPid: result.takenOverFrom?.ownerPid, ownerHost: result.takenOverFrom?.ownerHost },
        );
      } else if (result.takenOverFrom && result.takenOverFrom.runId !== runId) {
        this.write(
          { runId, actor: ENGINE_ACTOR, action: "lock-takeover", outcome: "stale lock taken over" },
          {
            from: result.takenOverFrom.runId,
            ownerPid: result.takenOverFrom.ownerPid,
            ownerHost: result.takenOverFrom.ownerHost,
            expiresAt: result.takenOverFrom.expiresAt,
          },
        );
      }
      return;
    }
    const { holder } = result;
    throw new RunRefused(
      `Registry is busy: run ${holder.runId} (pid ${holder.ownerPid} on ${holder.ownerHost}) is working on it until ` +
        `${holder.expiresAt} unless it keeps its lock alive. Wait for it, or resume it: ` +
        `${invocationIn(this.options.azure.place)} runs resume ${holder.runId}`,
      "locked",
    );
  }

  private isMachineFinal(record: RunRecord): boolean {
    const snapshot = record.snapshot as { status?: string } | null;
    return (
      snapshot?.status === "done" || record.view.log.some((line) => line.message.startsWith("The runbook stopped"))
    );
  }

  private isFinalNow(run: LiveRun): boolean {
    return run.crashed !== undefined || (run.actor.getSnapshot() as AnyMachineSnapshot).status === "done";
  }

  private wasApproved(runId: string, fingerprint: string): boolean {
    return this.audit
      .trail(runId)
      .some(
        (entry) =>
          entry.action === "approve" && entry.outcome === "approved" && entry.details.fingerprint === fingerprint,
      );
  }

  private notAwaiting(view: RunView, what: string): RunRefused {
    if (FINAL_STATUSES.includes(view.status) && view.status !== "failed") {
      return new RunRefused(`Run ${view.id} has ended (${view.status}); it takes no more events.`, "final");
    }
    return new RunRefused(`Run ${view.id} is not waiting for ${what} (it is ${view.status}).`, "not-awaiting");
  }

  private titleOf(run: LiveRun, stateId: string): string {
    return run.definition.steps.find((step) => step.id === stateId)?.title ?? stateId;
  }

  private definitionOf(id: RunbookId): RunbookDefinition {
    const definition = this.options.runbooks[id];
    if (!definition) throw new RunRefused(`No runbook named ${id}.`, "unknown-run");
    return definition;
  }

  private write(
    record: Omit<AuditRecord, "at" | "details" | "azureRequestId">,
    details: Record<string, unknown>,
    requestId?: string,
  ): void {
    this.audit.append({
      ...record,
      at: this.clock.now().toISOString(),
      details,
      ...(requestId ? { azureRequestId: requestId } : {}),
    });
  }

  /**
   * The port reaches one subscription and the actors name resources by group and name only: a run of another
   * subscription would act on a same-named registry here. Refuse it, saying which subscription the run needs.
   */
  private assertSubscription(runId: string, target: RunTarget): void {
    const connected = this.options.azure.subscriptionId;
    if (target.subscriptionId.toLowerCase() === connected.toLowerCase()) return;
    throw new RunRefused(
      `Run ${runId} is for ${target.resourceGroup}/${target.registry} in subscription ${target.subscriptionId}, but ` +
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
