// An approval request that lapses is noticed by the engine itself: audited once, announced to every driver as a new
// view, and the run keeps waiting, resumable. Its expiry is an absolute time stored with the run, so it survives a
// restart. Time is faked (timers and Date): an expiry minutes out is reached at once, and "nothing more happens"
// is checked after moving the clock well past it, not by waiting a few milliseconds.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type RunEngineOptions } from "../../src/runs/engine.js";
import type { AuditEntry, RunEngine, RunTarget, RunView } from "../../src/runs/types.js";
import { fakeVault, type FakeKeyVault } from "../fixtures/toy-runbook.js";
import { useToyEngines } from "./fixtures/toy-engines.js";

const target: RunTarget = { subscriptionId: "sub-1", resourceGroup: "rg-acr", registry: "acrprod" };

const toy = useToyEngines("acr-cmk-expiry-");
let vault: FakeKeyVault;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
  vault = fakeVault();
});
afterEach(() => {
  vi.useRealTimers();
});

const TTL_MS = 2 * 60_000;

function engineFor(options: Partial<RunEngineOptions> = {}): RunEngine {
  return toy.engineFor(vault, options);
}

async function waitingRun(engine: RunEngine): Promise<RunView> {
  const view = await engine.start({ runbook: "key-deleted", target, requester: "alice", driver: "cli" });
  return engine.settled(view.id);
}

async function expiries(engine: RunEngine, runId: string): Promise<AuditEntry[]> {
  return (await engine.auditTrail(runId)).filter((entry) => entry.action === "approval-expired");
}

describe("approval expiry", () => {
  it("is audited once by acr-cmk when the request lapses, and subscribers get a new view of the still-waiting run", async () => {
    const engine = engineFor({ approvalTtlMs: TTL_MS });
    const run = await waitingRun(engine);
    const views: RunView[] = [];
    engine.subscribe(run.id, (view) => views.push(view));

    const expiredView = new Promise<RunView>((resolve) => engine.subscribe(run.id, resolve));
    // Refused only after `expiresAt`: at it, nothing has happened yet; a millisecond later the engine says so.
    await vi.advanceTimersByTimeAsync(TTL_MS);
    expect(views).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    const expired = await expiredView;
    expect(Date.now()).toBeGreaterThan(Date.parse(run.approval!.expiresAt));
    expect(expired.status).toBe("awaiting-approval");
    expect(expired.approval?.expiresAt).toBe(run.approval!.expiresAt);
    expect(expired.updatedAt > run.updatedAt).toBe(true);
    const [entry, ...more] = await expiries(engine, run.id);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      actor: "acr-cmk",
      outcome: "expired",
      details: { step: "recoverKey", fingerprint: "fp-deleted", expiresAt: run.approval!.expiresAt },
    });

    // A late click is refused as expired without a second expiry entry.
    await expect(engine.approve(run.id, "bob")).rejects.toMatchObject({ reason: "expired" });
    await vi.advanceTimersByTimeAsync(TTL_MS);
    expect(await expiries(engine, run.id)).toHaveLength(1);
    expect(views).toHaveLength(1);

    // The run stays resumable: resuming asks again with a fresh expiry, and that request can be approved.
    const again = await engine.resume(run.id, "alice");
    expect(Date.parse(again.approval!.expiresAt)).toBeGreaterThan(Date.parse(run.approval!.expiresAt));
    await engine.approve(run.id, "bob");
    expect((await engine.settled(run.id)).status).toBe("awaiting-input");
    expect((await engine.verifyAudit()).ok).toBe(true);
  });

  it("survives a restart: a run picked up before its expiry keeps the stored time and lapses at it", async () => {
    const first = engineFor({ approvalTtlMs: TTL_MS });
    const run = await waitingRun(first);
    await first.close();

    const next = engineFor({ approvalTtlMs: 60_000 });
    const resumed = await next.resume(run.id, "alice");
    // Not a new request: the same one, with the expiry it was given before the restart.
    expect(resumed.approval?.expiresAt).toBe(run.approval!.expiresAt);
    expect((await next.auditTrail(run.id)).filter((entry) => entry.action === "approval-requested")).toHaveLength(1);
    const expiredView = new Promise<RunView>((resolve) => next.subscribe(run.id, resolve));
    await vi.advanceTimersByTimeAsync(TTL_MS + 1);
    const expired = await expiredView;
    expect(Date.now()).toBeGreaterThan(Date.parse(run.approval!.expiresAt));
    expect(expired.status).toBe("awaiting-approval");
    expect(await expiries(next, run.id)).toHaveLength(1);
  });

  it("a request that lapsed while no process drove the run is audited when the run is picked up, and approving it is refused", async () => {
    const first = engineFor({ approvalTtlMs: 60_000 });
    const run = await waitingRun(first);
    await first.close();

    const later = engineFor({ clock: { now: () => new Date(Date.now() + 61_000) } });
    await expect(later.approve(run.id, "bob")).rejects.toMatchObject({ reason: "expired" });
    // The expiry timer the pick-up armed (already due) has had its chance to fire: still one entry.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await expiries(later, run.id)).toHaveLength(1);
    expect((await later.get(run.id))?.status).toBe("awaiting-approval");
    const actions = (await later.auditTrail(run.id)).map((entry) => `${entry.action}:${entry.outcome}`);
    expect(actions.slice(-3)).toEqual(["run-resume:resumed", "approval-expired:expired", "approve:refused: expired"]);
  });
});
