import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { fromPromise } from "xstate";
import type { RunbookDefinition } from "../../src/machines/protocol.js";
import { DATABASE_FILE } from "../../src/runs/database.js";
import { RunRefused, type RunEngine, type RunTarget, type RunView } from "../../src/runs/types.js";
import { fakeAzure, fakeVault, toyRunbook } from "../fixtures/toy-runbook.js";
import { useToyEngines } from "./fixtures/toy-engines.js";
import { until } from "../fixtures/until.js";

const target: RunTarget = { subscriptionId: "sub-1", resourceGroup: "rg-acr", registry: "acrprod" };

const toy = useToyEngines("acr-cmk-engine-");
const engineFor = toy.engineFor;

async function startToy(engine: RunEngine, extra: { selfApprove?: boolean } = {}): Promise<RunView> {
  const view = await engine.start({ runbook: "key-deleted", target, requester: "alice", driver: "cli", ...extra });
  return engine.settled(view.id);
}

describe("RunEngine", () => {
  it("runs check → approval → change → verify → input to success, with a complete audit trail", async () => {
    const vault = fakeVault();
    const engine = engineFor(vault);
    const waiting = await startToy(engine);
    expect(waiting.status).toBe("awaiting-approval");
    expect(waiting.approval).toMatchObject({ stepId: "recoverKey", requester: "alice", fingerprint: "fp-deleted" });
    expect(Date.parse(waiting.approval!.expiresAt) - Date.parse(waiting.approval!.requestedAt)).toBe(15 * 60_000);
    expect(waiting.steps.find((s) => s.id === "check")).toMatchObject({
      status: "done",
      evidence: ["key cmk is soft-deleted"],
    });
    expect(waiting.steps.find((s) => s.id === "recoverKey")?.az).toBe(
      "az keyvault key recover --vault-name kv-toy --name cmk -g rg-acr",
    );

    await engine.approve(waiting.id, "bob", { fingerprint: "fp-deleted" });
    const choosing = await engine.settled(waiting.id);
    expect(choosing.status).toBe("awaiting-input");
    expect(choosing.rollback).toEqual(["az keyvault key delete --vault-name kv-toy --name cmk"]);
    await engine.input(waiting.id, "alice", "skip");
    const done = await engine.settled(waiting.id);

    expect(done.status).toBe("succeeded");
    expect(done.outcome?.summary).toBe("The key is back.");
    expect(done.steps.find((s) => s.id === "waitPickup")?.status).toBe("skipped");
    expect(vault.writes).toEqual(["recoverDeletedKey"]);
    const actions = (await engine.auditTrail(waiting.id)).map((e) => `${e.action}:${e.outcome}`);
    expect(actions).toEqual([
      "run-start:started",
      "approval-requested:waiting",
      "approve:approved",
      "change-start:started",
      "azure-write:ok",
      "change-end:succeeded",
      "input:chosen",
      "run-end:succeeded",
    ]);
    expect((await engine.auditTrail(waiting.id)).find((e) => e.action === "approve")?.actor).toBe("bob");
    expect(await engine.verifyAudit()).toMatchObject({ ok: true, entries: 8 });
    expect(await engine.list()).toEqual([
      expect.objectContaining({ id: waiting.id, status: "succeeded", requester: "alice" }),
    ]);
  });

  it("a requester cannot approve their own change unless local policy allows it", async () => {
    const engine = engineFor(fakeVault());
    const view = await startToy(engine);
    await expect(engine.approve(view.id, "alice")).rejects.toMatchObject({ reason: "self-approval" });
    expect((await engine.get(view.id))?.status).toBe("awaiting-approval");
    expect((await engine.auditTrail(view.id)).some((e) => e.outcome === "refused: self-approval")).toBe(true);

    const local = await startToy(engineFor(fakeVault(), { home: mkdtempSync(join(tmpdir(), "acr-cmk-engine-")) }), {
      selfApprove: true,
    });
    const localEngine = toy.engines[1]!;
    await localEngine.approve(local.id, "alice");
    expect((await localEngine.settled(local.id)).status).toBe("awaiting-input");
  });

  it("only listed approvers may approve, and a stale fingerprint is refused", async () => {
    const engine = engineFor(fakeVault(), { approvers: ["U-BOB"] });
    const view = await startToy(engine);
    await expect(engine.approve(view.id, "U-MALLORY")).rejects.toMatchObject({ reason: "not-approver" });
    await expect(engine.approve(view.id, "U-BOB", { fingerprint: "fp-other" })).rejects.toMatchObject({
      reason: "stale",
    });
    await engine.approve(view.id, "U-BOB", { fingerprint: "fp-deleted" });
    expect((await engine.settled(view.id)).status).toBe("awaiting-input");
  });

  it("a double approval runs the change once", async () => {
    const vault = fakeVault();
    const engine = engineFor(vault);
    const view = await startToy(engine);
    await engine.approve(view.id, "bob", { fingerprint: "fp-deleted" });
    const again = await engine.approve(view.id, "bob", { fingerprint: "fp-deleted" });
    expect(again.id).toBe(view.id);
    await engine.settled(view.id);
    expect(vault.writes).toHaveLength(1);
    expect((await engine.auditTrail(view.id)).filter((e) => e.action === "approve")).toHaveLength(1);
    await expect(engine.approve(view.id, "bob")).rejects.toBeInstanceOf(RunRefused);
  });

  it("an expired approval is refused, and resuming asks again", async () => {
    let now = Date.parse("2030-01-01T00:00:00Z");
    const clock = { now: () => new Date(now) };
    const engine = engineFor(fakeVault(), { clock, approvalTtlMs: 60_000 });
    const view = await startToy(engine);
    now += 61_000;
    await expect(engine.approve(view.id, "bob")).rejects.toMatchObject({ reason: "expired" });
    const again = await engine.resume(view.id, "alice");
    expect(again.approval?.requestedAt).toBe(new Date(now).toISOString());
    await engine.approve(view.id, "bob");
    expect((await engine.settled(view.id)).status).toBe("awaiting-input");
  });

  it("rejection ends the run as rejected and is audited", async () => {
    const engine = engineFor(fakeVault());
    const view = await startToy(engine);
    await engine.reject(view.id, "bob", "not during business hours");
    const ended = await engine.settled(view.id);
    expect(ended.status).toBe("rejected");
    expect((await engine.auditTrail(view.id)).find((e) => e.action === "reject")?.details).toMatchObject({
      reason: "not during business hours",
    });
    await expect(engine.retry(view.id, "alice")).rejects.toMatchObject({ reason: "final" });
  });

  it("an Azure failure stops at a resumable state; RETRY finishes the change", async () => {
    const vault = fakeVault({ failRecover: 1 });
    const engine = engineFor(vault);
    const view = await startToy(engine);
    await engine.approve(view.id, "bob");
    const stopped = await engine.settled(view.id);
    expect(stopped.status).toBe("failed");
    expect(stopped.steps.find((s) => s.id === "recoverKey")?.status).toBe("failed");
    const failedEnd = (await engine.auditTrail(view.id)).find((e) => e.action === "change-end");
    expect(failedEnd).toMatchObject({ outcome: "failed: unavailable", azureRequestId: "req-503" });
    await engine.retry(view.id, "alice");
    expect((await engine.settled(view.id)).status).toBe("awaiting-input");
    expect(vault.writes).toEqual(["recoverDeletedKey"]);
  });

  it("a run stopped at an error still holds its registry: no second run starts beside it until it is aborted", async () => {
    const vault = fakeVault({ failRecover: 1 });
    const engine = engineFor(vault);
    const view = await startToy(engine);
    await engine.approve(view.id, "bob");
    expect((await engine.settled(view.id)).status).toBe("failed");
    await expect(
      engine.start({ runbook: "key-deleted", target, requester: "carol", driver: "slack" }),
    ).rejects.toMatchObject({ reason: "locked", message: expect.stringContaining(`run ${view.id}`) });
    await engine.abort(view.id, "alice", "moving on");
    const second = await engine.start({ runbook: "key-deleted", target, requester: "carol", driver: "slack" });
    expect(second.id).not.toBe(view.id);
  });

  it("a durable wait polls and gives up at its stored deadline", async () => {
    const vault = fakeVault();
    const engine = engineFor(vault);
    const view = await startToy(engine, { selfApprove: true });
    await engine.approve(view.id, "alice");
    await engine.settled(view.id);
    await engine.input(view.id, "alice", "wait");
    expect((await engine.get(view.id))?.status).toBe("waiting");
    vault.pickedUp = true;
    expect((await engine.settled(view.id)).status).toBe("succeeded");

    // A deadline already past when the engine (re)arms it fires at once.
    const late = engineFor(fakeVault(), {
      home: mkdtempSync(join(tmpdir(), "acr-cmk-engine-")),
      clock: { now: () => new Date(Date.now() + 3_600_000) },
    });
    const lateView = await startToy(late, { selfApprove: true });
    await late.approve(lateView.id, "alice");
    await late.settled(lateView.id);
    await late.input(lateView.id, "alice", "wait");
    const escalated = await late.settled(lateView.id);
    expect(escalated.status).toBe("escalated");
    expect(escalated.outcome?.nextSteps).toEqual(["Contact Azure support"]);
  });

  it("input outside the offered choices is refused", async () => {
    const engine = engineFor(fakeVault());
    const view = await startToy(engine, { selfApprove: true });
    await engine.approve(view.id, "alice");
    await engine.settled(view.id);
    await expect(engine.input(view.id, "alice", "purge")).rejects.toMatchObject({ reason: "invalid-input" });
  });
});

describe("registry lock", () => {
  it("allows one active run per registry and frees it when the run ends", async () => {
    const engine = engineFor(fakeVault());
    const first = await startToy(engine);
    const other = engineFor(fakeVault());
    await expect(
      other.start({ runbook: "key-deleted", target, requester: "carol", driver: "cli" }),
    ).rejects.toMatchObject({
      reason: "locked",
    });
    await engine.abort(first.id, "alice", "wrong registry");
    expect((await engine.settled(first.id)).status).toBe("aborted");
    const second = await other.start({ runbook: "key-deleted", target, requester: "carol", driver: "cli" });
    expect((await other.settled(second.id)).status).toBe("awaiting-approval");
  });

  it("a lock whose owner stopped heart-beating is taken over after it expires", async () => {
    // Its approval request lapses within the same minute, so nothing but the lock stands in the way.
    const stuck = engineFor(fakeVault(), { lockTtlMs: 60_000, approvalTtlMs: 60_000 });
    const first = await startToy(stuck);
    // The same database seen from a process whose clock is past the lock's expiry.
    const later = engineFor(fakeVault(), { clock: { now: () => new Date(Date.now() + 120_000) } });
    const second = await later.start({ runbook: "key-deleted", target, requester: "carol", driver: "cli" });
    expect((await later.auditTrail(second.id)).map((e) => e.action)).toContain("lock-takeover");
    expect((await later.auditTrail(second.id)).find((e) => e.action === "lock-takeover")?.details).toMatchObject({
      from: first.id,
    });
  });
});

describe("one active run per registry", () => {
  it("a run waiting for approval keeps the registry after its process is gone, until the request lapses", async () => {
    const first = engineFor(fakeVault(), { approvalTtlMs: 60_000 });
    const waiting = await startToy(first);
    expect(waiting.status).toBe("awaiting-approval");
    await first.close();
    const next = engineFor(fakeVault());
    await expect(next.start({ runbook: "key-deleted", target, requester: "carol", driver: "cli" })).rejects.toThrow(
      `Registry acrprod is busy: run ${waiting.id} (requested by alice) waits for approval`,
    );
    const later = engineFor(fakeVault(), { clock: { now: () => new Date(Date.now() + 61_000) } });
    const second = await later.start({ runbook: "key-deleted", target, requester: "carol", driver: "cli" });
    expect((await later.settled(second.id)).status).toBe("awaiting-approval");
  });

  it("one engine does not start a second run on a registry it is already driving", async () => {
    const engine = engineFor(fakeVault());
    const first = await startToy(engine);
    await expect(
      engine.start({ runbook: "key-deleted", target, requester: "carol", driver: "slack" }),
    ).rejects.toMatchObject({ reason: "locked", message: expect.stringContaining(first.id) });
  });
});

describe("crash and resume", () => {
  it("a new engine resumes a run stopped in the middle of its change without repeating it", async () => {
    let release!: () => void;
    const vault = fakeVault({ gate: new Promise<void>((resolve) => (release = resolve)) });
    const engine = engineFor(vault);
    const view = await startToy(engine);
    await engine.approve(view.id, "bob");
    expect((await engine.get(view.id))?.currentStepId).toBe("recoverKey");
    while (vault.recoverCalls === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    await engine.close(); // the process dies while the recover call is in flight
    release();
    await until("the call already on the wire to land", () => vault.writes.length > 0);
    expect(vault.writes).toEqual(["recoverDeletedKey"]);

    const next = engineFor(vault);
    expect((await next.get(view.id))?.currentStepId).toBe("recoverKey");
    await next.resume(view.id, "alice");
    expect((await next.settled(view.id)).status).toBe("awaiting-input");
    await next.input(view.id, "alice", "skip");
    expect((await next.settled(view.id)).status).toBe("succeeded");
    expect(vault.writes).toEqual(["recoverDeletedKey"]);
    const trail = await next.auditTrail(view.id);
    expect(trail.find((e) => e.action === "change-start" && e.details.resumed === true)).toBeDefined();
    expect((await next.verifyAudit()).ok).toBe(true);
  });

  it("stopping at every boundary and resuming in a new engine reaches the same end with one write", async () => {
    // Boundaries: waiting for approval, after approval (change done), waiting for input.
    const script: Array<(engine: RunEngine, id: string) => Promise<unknown>> = [
      (engine, id) => engine.approve(id, "bob"),
      (engine, id) => engine.input(id, "alice", "skip"),
    ];
    for (let stopAfter = 0; stopAfter <= script.length; stopAfter++) {
      const vault = fakeVault();
      const runHome = mkdtempSync(join(tmpdir(), "acr-cmk-engine-"));
      let engine = engineFor(vault, { home: runHome });
      const { id } = await startToy(engine);
      for (let i = 0; i < script.length; i++) {
        if (i === stopAfter) {
          await engine.close();
          engine = engineFor(vault, { home: runHome });
          await engine.resume(id, "alice");
        }
        await engine.settled(id);
        await script[i]!(engine, id);
      }
      const end = await engine.settled(id);
      expect(end.status).toBe("succeeded");
      expect(vault.writes).toEqual(["recoverDeletedKey"]);
      expect((await engine.verifyAudit()).ok).toBe(true);
    }
  });

  it("a stopped engine sends no write from a change that had not reached Azure yet", async () => {
    const vault = fakeVault();
    const engine = engineFor(vault);
    const view = await startToy(engine);
    // The change's first read is held in flight while the engine stops; its write is not sent yet.
    let releaseRead!: () => void;
    vault.readGate = new Promise<void>((resolve) => (releaseRead = resolve));
    const readsBefore = vault.readCalls;
    await engine.approve(view.id, "bob");
    await until("the change's first read to be in flight", () => vault.readCalls > readsBefore);
    await engine.close();
    delete vault.readGate;
    releaseRead();
    // The orphaned change goes on in promise callbacks only: once the queue has drained, it has either sent or not.
    await new Promise((resolve) => setImmediate(resolve));
    expect(vault.recoverCalls).toBe(0);
    expect(vault.writes).toEqual([]);
    const next = engineFor(vault);
    await next.resume(view.id, "alice");
    expect((await next.settled(view.id)).status).toBe("awaiting-input");
    expect(vault.writes).toEqual(["recoverDeletedKey"]);
  });
});

describe("audit log", () => {
  it("refuses rewrites and detects a tampered entry", async () => {
    const engine = engineFor(fakeVault());
    const view = await startToy(engine);
    await engine.reject(view.id, "bob", "no");
    await engine.settled(view.id);
    const db = new DatabaseSync(join(toy.home, DATABASE_FILE));
    try {
      expect(() => db.exec("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")).toThrow(/append-only/);
      db.exec("DROP TRIGGER audit_log_no_update");
      db.exec("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2");
    } finally {
      db.close();
    }
    expect(await engine.verifyAudit()).toMatchObject({ ok: false, brokenAt: 2 });
  });
});

describe("one subscription per engine", () => {
  it("refuses to start or pick up a run of another subscription, naming the one it needs", async () => {
    const vault = fakeVault();
    const engine = engineFor(vault);
    const elsewhere: RunTarget = { ...target, subscriptionId: "sub-2" };
    await expect(
      engine.start({ runbook: "key-deleted", target: elsewhere, requester: "alice", driver: "cli" }),
    ).rejects.toMatchObject({ reason: "wrong-subscription", message: expect.stringContaining("--subscription sub-2") });
    expect(await engine.list()).toEqual([]);

    // A run stored by an engine of sub-1 is refused by an engine connected to another subscription.
    const view = await startToy(engine);
    await engine.close();
    const other = engineFor(vault, { azure: { ...fakeAzure(vault), subscriptionId: "sub-2" } });
    await expect(other.resume(view.id, "bob")).rejects.toMatchObject({ reason: "wrong-subscription" });
    expect((await other.auditTrail(view.id)).some((entry) => entry.action === "run-resume")).toBe(false);
  });
});

describe("a runbook that crashes", () => {
  it("has ended on its internal error: the crash is stored with the run, and a new engine does not run it again", async () => {
    const vault = fakeVault();
    let reads = 0;
    const toyDefinition = toyRunbook(vault);
    // readKey answers nothing: the machine's guard throws, a bug in the runbook rather than an Azure failure.
    const crashing: RunbookDefinition = {
      ...toyDefinition,
      actors: (azure, options) => ({
        ...toyDefinition.actors(azure, options),
        readKey: fromPromise(async () => {
          reads++;
          return undefined as unknown as { deleted: boolean };
        }),
      }),
    };
    const runbooks = { "key-deleted": crashing };
    const engine = engineFor(vault, { runbooks });
    const crashed = await startToy(engine);
    expect(crashed.status).toBe("failed");
    expect(crashed.error).toMatchObject({ cause: "internal" });
    expect((await engine.auditTrail(crashed.id)).map((e) => `${e.action}:${e.outcome}`)).toContain("run-end:failed");
    await engine.close();

    // The view's log is words for people; what the run is must not hang on them.
    const db = new DatabaseSync(join(toy.home, DATABASE_FILE));
    db.prepare("UPDATE runs SET view = json_set(view, '$.log', json('[]')) WHERE id = ?").run(crashed.id);
    db.close();
    const again = engineFor(vault, { runbooks });
    const resumed = await again.resume(crashed.id, "alice");
    expect(resumed.status).toBe("failed");
    expect(reads).toBe(1);
    expect((await again.auditTrail(crashed.id)).some((e) => e.action === "run-resume")).toBe(false);
    await expect(again.retry(crashed.id, "alice")).rejects.toMatchObject({ reason: "not-awaiting" });
  });
});
