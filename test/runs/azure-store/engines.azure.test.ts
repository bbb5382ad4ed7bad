// Engines in separate processes share runs, locks and the audit chain through one storage account (here Azurite):
// a run waiting in one is approved or aborted through another, a change runs once, and a lost race never overwrites.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openAzureBackend } from "../../../src/runs/azure-store/index.js";
import { StoreConflict } from "../../../src/runs/store.js";
import type { RunEngine, RunTarget, RunView } from "../../../src/runs/types.js";
import { startAzurite, type Azurite } from "../../fixtures/azurite.js";
import { runRecord } from "../fixtures/store-contract.js";
import { useToyEngines } from "../fixtures/toy-engines.js";
import { fakeVault } from "../../fixtures/toy-runbook.js";

// Real time against a real emulator (and real processes): generous limits for a loaded 2-core machine.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 60_000 });

const target: RunTarget = { subscriptionId: "sub-1", resourceGroup: "rg-acr", registry: "acrprod" };

let azurite: Azurite;
let store = "";
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite.dispose();
});

const toy = useToyEngines("acr-cmk-azure-engines-", { store: () => (store = azurite.freshStore()) });

async function waitingRun(engine: RunEngine): Promise<RunView> {
  const view = await engine.start({ runbook: "key-deleted", target, requester: "alice", driver: "slack" });
  return engine.settled(view.id);
}

describe("engines sharing an Azure Storage account", () => {
  it("a run waiting in one engine is approved through another, which runs the change once", async () => {
    const vault = fakeVault();
    const slack = toy.engineFor(vault);
    const run = await waitingRun(slack);
    expect(run.status).toBe("awaiting-approval");

    const laptop = toy.engineFor(vault);
    expect((await laptop.list()).map((summary) => summary.id)).toEqual([run.id]);
    await laptop.approve(run.id, "bob", { fingerprint: "fp-deleted" });
    expect((await laptop.settled(run.id)).status).toBe("awaiting-input");
    // A second click on the first engine's stale copy picks the run up as stored: no second change.
    await expect(slack.approve(run.id, "bob", { fingerprint: "fp-deleted" })).resolves.toMatchObject({
      status: "awaiting-input",
    });
    await slack.input(run.id, "alice", "skip");
    expect((await slack.settled(run.id)).status).toBe("succeeded");
    expect(vault.writes).toEqual(["recoverDeletedKey"]);
    const actions = (await slack.auditTrail(run.id)).map((entry) => entry.action);
    expect(actions.filter((action) => action === "approve")).toHaveLength(1);
    expect(actions.filter((action) => action === "azure-write")).toHaveLength(1);
    expect(await laptop.verifyAudit()).toMatchObject({ ok: true });
  });

  it("two approvals of one request arriving at two engines at once run the change once", async () => {
    const vault = fakeVault();
    const a = toy.engineFor(vault);
    const run = await waitingRun(a);
    const b = toy.engineFor(vault);
    const results = await Promise.allSettled([
      a.approve(run.id, "bob", { fingerprint: "fp-deleted" }),
      b.approve(run.id, "bob", { fingerprint: "fp-deleted" }),
    ]);
    expect(results.some((result) => result.status === "fulfilled")).toBe(true);
    await Promise.all([a.settled(run.id), b.settled(run.id)]);
    expect(vault.writes).toEqual(["recoverDeletedKey"]);
    expect(await a.verifyAudit()).toMatchObject({ ok: true });
  });

  it("a run busy with a change is not taken over, and the registry stays locked for a second run", async () => {
    let release!: () => void;
    const vault = fakeVault({ gate: new Promise<void>((resolve) => (release = resolve)) });
    const first = toy.engineFor(vault);
    const run = await waitingRun(first);
    await first.approve(run.id, "bob");
    while (vault.recoverCalls === 0) await new Promise((resolve) => setTimeout(resolve, 5));

    const other = toy.engineFor(vault);
    await expect(other.abort(run.id, "oncall", "too slow")).rejects.toMatchObject({ reason: "locked" });
    await expect(
      other.start({ runbook: "key-deleted", target, requester: "carol", driver: "cli" }),
    ).rejects.toMatchObject({ reason: "locked" });
    release();
    expect((await first.settled(run.id)).status).toBe("awaiting-input");
    expect(vault.writes).toEqual(["recoverDeletedKey"]);
  });

  it("an abort through another engine takes the lease over; the first engine then refuses to approve", async () => {
    const vault = fakeVault();
    const slack = toy.engineFor(vault);
    const run = await waitingRun(slack);
    const cli = toy.engineFor(vault);
    expect((await cli.abort(run.id, "oncall", "handled by hand")).status).toBe("aborted");
    expect((await slack.reload(run.id))?.status).toBe("aborted");
    await expect(slack.approve(run.id, "bob", { fingerprint: "fp-deleted" })).rejects.toMatchObject({
      reason: "final",
    });
    expect(vault.writes).toEqual([]);
    expect((await slack.auditTrail(run.id)).map((entry) => entry.action)).toContain("lock-handover");
  });

  it("a write that lost a race re-reads and refuses instead of overwriting the newer run", async () => {
    const a = openAzureBackend(store);
    const b = openAzureBackend(store);
    try {
      await a.runs.save(runRecord("r1"));
      const mine = (await a.runs.get("r1"))!;
      const theirs = (await b.runs.get("r1"))!;
      await b.runs.save({ ...theirs, status: "aborted", updatedAt: "2026-12-03T05:05:00.000Z" });
      await expect(a.runs.save({ ...mine, status: "awaiting-approval" })).rejects.toThrow(StoreConflict);
      expect((await b.runs.get("r1"))?.status).toBe("aborted");
      // The loser re-read the run: deciding again from it, its next write goes through.
      const stored = (await a.runs.get("r1"))!;
      await a.runs.save({ ...stored, updatedAt: "2026-12-03T05:06:00.000Z" });
      expect((await b.runs.get("r1"))?.updatedAt).toBe("2026-12-03T05:06:00.000Z");
      // Writing the same content again after a lost race is no conflict: nothing would change.
      const same = (await b.runs.get("r1"))!;
      await a.runs.save(same);
    } finally {
      a.close();
      b.close();
    }
  });
});
