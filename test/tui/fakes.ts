// Test doubles for the TUI: terminal streams of a fixed size and a RunEngine that plays a small key-deleted-like run.
// They enter through renderTui's options; nothing is module-mocked.
import { EventEmitter } from "node:events";
import { stripVTControlCharacters } from "node:util";
import type { Finding } from "../../src/diagnosis/types.js";
import { targetKind, targetName } from "../../src/machines/target.js";
import { endedOrStopped } from "../../src/runs/run-status.js";
import {
  RunRefused,
  type AuditEntry,
  type Risk,
  type RunEngine,
  type RunSummary,
  type RunView,
  type StartRunParams,
  type StepView,
} from "../../src/runs/types.js";
import type { RegistryChoice, TuiDiagnosis } from "../../src/tui/types.js";

/** A terminal's output side, 80×24 unless told otherwise; keeps every frame Ink writes. */
export class FakeStdout extends EventEmitter {
  readonly frames: string[] = [];
  constructor(
    readonly columns = 80,
    readonly rows = 24,
  ) {
    super();
  }
  write = (chunk: string, ...rest: unknown[]): boolean => {
    this.frames.push(chunk);
    // What test/tui/harness.ts waits on instead of polling.
    this.emit("write");
    // Ink waits for the write callback before it reports the app as exited.
    const callback = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
    if (callback) setImmediate(callback);
    return true;
  };
  /** The last frame as the person sees it (no escape codes). */
  lastFrame(): string {
    return stripVTControlCharacters(this.frames.at(-1) ?? "");
  }
  allText(): string {
    return stripVTControlCharacters(this.frames.join(""));
  }
}

/** A terminal's input side: what `write` gets is what the person typed. */
export class FakeStdin extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  write(data: string): void {
    this.data = data;
    this.emit("readable");
    this.emit("data", data);
  }
  read = (): string | null => {
    const { data } = this;
    this.data = null;
    return data;
  };
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}

/** Process events for the terminal guard, so tests never touch the real process's handlers. */
export class FakeProcess extends EventEmitter {
  exitCodes: number[] = [];
  exit = (code?: number): void => {
    this.exitCodes.push(code ?? 0);
  };
}

export const KEYS = {
  enter: "\r",
  escape: "\u001B",
  up: "\u001B[A",
  down: "\u001B[B",
  ctrlC: "\u0003",
} as const;

export const REGISTRIES: RegistryChoice[] = [
  { resourceGroup: "rg-prod", registry: "contosoprod", location: "westeurope", sku: "Premium" },
  { resourceGroup: "rg-dev", registry: "contosodev", location: "westeurope", sku: "Premium" },
];

export const KEY_DELETED_FINDINGS: Finding[] = [
  {
    id: "PURGE_PROTECTION_OFF",
    severity: "warning",
    title: "Purge protection is off",
    detail: "A deleted key could be purged for good; turn purge protection on.",
    evidence: { vault: "kv-contoso", enablePurgeProtection: false },
    runbook: null,
  },
  {
    id: "KEY_SOFT_DELETED",
    severity: "critical",
    title: "The registry's key is deleted (recoverable)",
    detail: "The key was soft-deleted; recover it before the retention period ends.",
    evidence: { keyId: "https://kv-contoso.vault.azure.net/keys/acr-key", scheduledPurgeDate: "2026-02-01T00:00:00Z" },
    runbook: "key-deleted",
  },
];

export function diagnosisOf(findings: Finding[]): TuiDiagnosis {
  return { healthy: !findings.some((f) => f.severity === "critical"), findings };
}

export interface FakeEngineOptions {
  /** Risk of the change step that needs approval. */
  risk?: Risk;
  /** Refuse approvals with this reason (policy says no). */
  refuseApproval?: RunRefused["reason"];
}

type Call = { method: string; args: unknown[] };

/**
 * Plays a three-step run: check (done) → recover the key (change, awaiting approval) → verify. Approval runs the
 * change (busy), then the verify, then success; reject and abort end the run. Follows the RunEngine interface only.
 */
export class FakeEngine implements RunEngine {
  readonly calls: Call[] = [];
  private readonly views = new Map<string, RunView>();
  private readonly listeners = new Map<string, Set<(view: RunView) => void>>();
  private readonly audit = new Map<string, AuditEntry[]>();
  private seq = 0;
  /** Lets a test hold the change "in flight" until it calls `finishChange()`. */
  holdChange = false;
  private pendingFinish: (() => void) | undefined;

  constructor(private readonly options: FakeEngineOptions = {}) {}

  private record(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args });
  }

  callsTo(method: string): unknown[][] {
    return this.calls.filter((call) => call.method === method).map((call) => call.args);
  }

  private emit(view: RunView): RunView {
    const copy = structuredClone(view);
    this.views.set(view.id, copy);
    for (const listener of this.listeners.get(view.id) ?? []) listener(structuredClone(copy));
    return structuredClone(copy);
  }

  private addAudit(runId: string, actor: string, action: string, outcome: string): void {
    const entries = this.audit.get(runId) ?? [];
    this.seq += 1;
    entries.push({
      seq: this.seq,
      at: new Date(Date.UTC(2026, 0, 1, 3, 0, this.seq)).toISOString(),
      runId,
      actor,
      action,
      outcome,
      details: {},
      prevHash: "0".repeat(64),
      hash: String(this.seq).padStart(64, "0"),
    });
    this.audit.set(runId, entries);
  }

  private steps(current: "recover" | "verify" | "done"): StepView[] {
    const status = (step: "check" | "recover" | "verify"): StepView["status"] => {
      const order = ["check", "recover", "verify", "done"];
      const index = order.indexOf(step);
      const at = order.indexOf(current);
      return index < at ? "done" : index === at ? "current" : "pending";
    };
    return [
      {
        id: "checkKey",
        title: "Find the registry's key",
        why: "The registry reads its key through its identity; find out whether the key still exists.",
        kind: "check",
        risk: "none",
        az: "az keyvault key show --vault-name kv-contoso --name acr-key",
        status: status("check"),
        evidence: ["key acr-key is soft-deleted", "scheduled purge 2026-02-01"],
      },
      {
        id: "recoverKey",
        title: "Recover the deleted key",
        why: "Recovering the soft-deleted key gives the registry its key back, with every version.",
        kind: "change",
        risk: this.options.risk ?? "high",
        az: "az keyvault key recover --vault-name kv-contoso --name acr-key",
        status: status("recover"),
      },
      {
        id: "verifyRegistry",
        title: "Check the registry can read its key",
        why: "A recovered key only helps once the registry can wrap and unwrap with it again.",
        kind: "verify",
        risk: "none",
        az: "az acr show -n contosoprod --query encryption",
        status: status("verify"),
      },
    ];
  }

  /** A run as it stands in the store, for runs-list tests. */
  seed(view: Partial<RunView> & Pick<RunView, "id" | "status">): void {
    const base = this.baseView(view.id, { runbook: "key-deleted", target: view.target ?? this.target("contosoprod") });
    this.views.set(view.id, { ...base, ...view });
    this.addAudit(view.id, "alice", "run.start", "ok");
    this.addAudit(view.id, "alice", "approval.request", "pending");
  }

  private target(registry: string) {
    return { subscriptionId: "00000000-0000-0000-0000-000000000000", resourceGroup: "rg-prod", registry };
  }

  private baseView(id: string, params: Pick<StartRunParams, "runbook" | "target">): RunView {
    return {
      id,
      runbook: params.runbook,
      target: params.target,
      requester: "alice",
      driver: "tui",
      dryRun: false,
      status: "awaiting-approval",
      busy: false,
      steps: this.steps("recover"),
      currentStepId: "recoverKey",
      approval: {
        stepId: "recoverKey",
        title: "Recover the deleted key acr-key",
        resource: "https://kv-contoso.vault.azure.net/keys/acr-key",
        before: "deleted (recoverable until 2026-02-01)",
        after: "active, all versions restored",
        az: "az keyvault key recover --vault-name kv-contoso --name acr-key",
        risk: this.options.risk ?? "high",
        irreversible: false,
        fingerprint: "fp-1",
        requester: "alice",
        requestedAt: "2026-01-01T03:00:00.000Z",
        expiresAt: "2026-01-01T03:15:00.000Z",
      },
      log: [
        { at: "2026-01-01T03:00:00.000Z", level: "info", message: "Key acr-key found in deleted state" },
        { at: "2026-01-01T03:00:01.000Z", level: "warn", message: "Waiting for approval to recover acr-key" },
      ],
      rollback: [],
      startedAt: "2026-01-01T03:00:00.000Z",
      updatedAt: "2026-01-01T03:00:01.000Z",
    };
  }

  async start(params: StartRunParams): Promise<RunView> {
    this.record("start", params);
    const id = `run-${this.views.size + 1}`;
    this.addAudit(id, params.requester, "run.start", "ok");
    return this.emit(this.baseView(id, params));
  }

  async resume(runId: string, by: string, options?: { selfApprove?: boolean }): Promise<RunView> {
    this.record("resume", runId, by, options);
    const view = this.mustGet(runId);
    if (endedOrStopped(view.status)) throw new RunRefused(`run ${runId} has ended`, "final");
    return this.emit(view);
  }

  async approve(
    runId: string,
    by: string,
    options?: { fingerprint?: string; confirmation?: string },
  ): Promise<RunView> {
    this.record("approve", runId, by, options);
    const view = this.mustGet(runId);
    if (!view.approval) throw new RunRefused("nothing awaits approval", "not-awaiting");
    if (this.options.refuseApproval) {
      throw new RunRefused("you may not approve your own change here", this.options.refuseApproval);
    }
    if (
      (view.approval.risk === "high" || view.approval.irreversible) &&
      options?.confirmation !== targetName(view.target)
    ) {
      throw new RunRefused(`a high-risk change needs the ${targetKind(view.target)} name typed`, "stale");
    }
    this.addAudit(runId, by, "approval.grant", "ok");
    const busy = this.emit({
      ...view,
      status: "running",
      busy: true,
      approval: undefined,
      log: [...view.log, { at: "2026-01-01T03:01:00.000Z", level: "info", message: `Approved by ${by}` }],
    });
    const finish = () => {
      const current = this.mustGet(runId);
      this.emit({
        ...current,
        status: "succeeded",
        busy: false,
        steps: this.steps("done"),
        currentStepId: undefined,
        outcome: {
          summary: "The key is back and the registry reads it again.",
          nextSteps: ["Turn on purge protection"],
        },
        rollback: [],
        log: [...current.log, { at: "2026-01-01T03:01:05.000Z", level: "info", message: "Registry healthy" }],
      });
    };
    if (this.holdChange) this.pendingFinish = finish;
    else setImmediate(finish);
    return busy;
  }

  /** Ends the held change (see holdChange). */
  finishChange(): void {
    this.pendingFinish?.();
    this.pendingFinish = undefined;
  }

  async reject(runId: string, by: string, reason: string): Promise<RunView> {
    this.record("reject", runId, by, reason);
    const view = this.mustGet(runId);
    this.addAudit(runId, by, "approval.reject", reason);
    return this.emit({
      ...view,
      status: "rejected",
      approval: undefined,
      outcome: { summary: `Rejected by ${by}: ${reason}`, nextSteps: [] },
    });
  }

  async retry(runId: string, by: string): Promise<RunView> {
    this.record("retry", runId, by);
    return this.emit(this.mustGet(runId));
  }

  async abort(runId: string, by: string, reason: string): Promise<RunView> {
    this.record("abort", runId, by, reason);
    const view = this.mustGet(runId);
    return this.emit({
      ...view,
      status: "aborted",
      approval: undefined,
      outcome: { summary: `Aborted: ${reason}`, nextSteps: [] },
    });
  }

  async input(runId: string, by: string, value: string): Promise<RunView> {
    this.record("input", runId, by, value);
    return this.emit(this.mustGet(runId));
  }

  async interrupt(runId: string, by: string): Promise<RunView> {
    this.record("interrupt", runId, by);
    const view = this.mustGet(runId);
    return view.status === "running" ? this.emit({ ...view, status: "stopped", busy: false }) : view;
  }

  async get(runId: string): Promise<RunView | undefined> {
    const view = this.views.get(runId);
    return view ? structuredClone(view) : undefined;
  }

  async list(): Promise<RunSummary[]> {
    return [...this.views.values()].map(({ id, runbook, target, requester, status, startedAt, updatedAt }) => ({
      id,
      runbook,
      target,
      requester,
      status,
      startedAt,
      updatedAt,
    }));
  }

  subscribe(runId: string, listener: (view: RunView) => void): () => void {
    const set = this.listeners.get(runId) ?? new Set();
    set.add(listener);
    this.listeners.set(runId, set);
    return () => set.delete(listener);
  }

  async settled(runId: string): Promise<RunView> {
    return this.mustGet(runId);
  }

  async auditTrail(runId: string): Promise<AuditEntry[]> {
    return [...(this.audit.get(runId) ?? [])];
  }

  async verifyAudit(): Promise<{ ok: boolean; entries: number }> {
    return { ok: true, entries: this.seq };
  }

  async close(): Promise<void> {}

  private mustGet(runId: string): RunView {
    const view = this.views.get(runId);
    if (!view) throw new RunRefused(`no run ${runId}`, "unknown-run");
    return structuredClone(view);
  }
}
