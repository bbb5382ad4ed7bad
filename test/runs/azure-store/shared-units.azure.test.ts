// What the shared store promises beyond the contract suite, against Azurite: an exclusive unit holds across processes
// (two store instances on one account), a run's audit trail reads only that run's rows, a store of schema 1 gets its
// index on open and is still verified whole, and a store that does not answer never blocks the event loop.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { StorageClient } from "../../../src/azure/storage/client.js";
import { parseStoreLocation } from "../../../src/azure/storage/location.js";
import { ApprovalLedger } from "../../../src/runs/approval-ledger.js";
import { nextEntry, type AuditRecord } from "../../../src/runs/audit-log.js";
import { AUDIT_TABLE, chainEntityOf } from "../../../src/runs/azure-store/audit.js";
import { STORE_SCHEMA } from "../../../src/runs/azure-store/entities.js";
import { openAzureBackend } from "../../../src/runs/azure-store/index.js";
import { RUNS_TABLE } from "../../../src/runs/azure-store/runs.js";
import { journalOf } from "../../../src/runs/run-journal.js";
import type { RunBackend } from "../../../src/runs/store.js";
import type { AuditEntry } from "../../../src/runs/types.js";
import { startAzurite, type Azurite } from "../../fixtures/azurite.js";

// Real time against a real emulator: generous limits for a loaded 2-core machine.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 60_000 });

const AT = "2026-12-03T05:00:00.000Z";
const record = (runId: string | null, action: string): AuditRecord => ({
  at: AT,
  runId,
  actor: "a",
  action,
  outcome: "ok",
});

let azurite: Azurite;
const opened: RunBackend[] = [];
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  for (const backend of opened) backend.close();
  await azurite.dispose();
});

function open(store: string): RunBackend {
  const backend = openAzureBackend(store);
  opened.push(backend);
  return backend;
}

describe("exclusive units across processes", () => {
  it("units of two store instances on one account never overlap", async () => {
    const store = azurite.freshStore();
    const [a, b] = [open(store), open(store)];
    let inside = 0;
    let most = 0;
    const unit = (backend: RunBackend, i: number) =>
      backend.exclusive("r1", async () => {
        most = Math.max(most, ++inside);
        // A store round trip inside the unit, so an overlapping unit would have its chance to start.
        await backend.audit.append(record("r1", `unit-${i}`));
        inside--;
      });
    await Promise.all([unit(a, 1), unit(b, 2), unit(a, 3), unit(b, 4)]);
    expect(most).toBe(1);
    expect((await a.audit.trail("r1")).map((entry) => entry.action).sort()).toEqual([
      "unit-1",
      "unit-2",
      "unit-3",
      "unit-4",
    ]);
  });

  it("two processes noticing one approval's expiry at once write approval-expired once", async () => {
    const store = azurite.freshStore();
    const clock = { now: () => new Date(AT) };
    const ledgers = [open(store), open(store)].map(
      (backend) => new ApprovalLedger(backend, backend.audit, journalOf(backend.audit, clock), clock, 60_000),
    );
    const stamp = { stepId: "approve-recover", fingerprint: "fp-1", requestedAt: AT, expiresAt: AT };
    const written = await Promise.all([0, 1, 0, 1].map((i) => ledgers[i]!.recordExpiry("r1", stamp)));
    expect(written.filter(Boolean)).toHaveLength(1);
    const trail = await open(store).audit.trail("r1");
    expect(trail.filter((entry) => entry.action === "approval-expired")).toHaveLength(1);
  });
});

describe("appends from many runs at once", () => {
  it("two processes appending 60 entries each at once: one unforked chain, each run's trail in order, in fewer round trips than entries", async () => {
    const store = azurite.freshStore();
    const [a, b] = [open(store), open(store)];
    await Promise.all([a.runs.list(), b.runs.list()]);
    const before = a.operations() + b.operations();
    await Promise.all(
      Array.from({ length: 120 }, (_, i) => (i % 2 ? a : b).audit.append(record(`r${i % 6}`, `n${i}`))),
    );
    // Appends that arrive together leave together (one entity group transaction), instead of racing for each number.
    expect(a.operations() + b.operations() - before).toBeLessThan(120);
    expect(await a.audit.verify()).toEqual({ ok: true, entries: 120 });
    for (let run = 0; run < 6; run++) {
      const trail = await b.audit.trail(`r${run}`);
      expect(trail.map((entry) => entry.action)).toEqual(Array.from({ length: 20 }, (_, k) => `n${run + 6 * k}`));
    }
  });
});

describe("the per-run audit index", () => {
  it("a run's trail reads its index rows and its entries, none of the other runs'", async () => {
    const backend = open(azurite.freshStore());
    const mine: string[] = [];
    for (let i = 0; i < 40; i++) {
      const ours = i % 10 === 3;
      if (ours) mine.push(`mine-${i}`);
      await backend.audit.append(record(ours ? "r1" : `other-${i % 4}`, ours ? `mine-${i}` : `theirs-${i}`));
    }
    const list = vi.spyOn(StorageClient.prototype, "listEntities");
    try {
      const trail = await backend.audit.trail("r1");
      expect(trail.map((entry) => entry.action)).toEqual(mine);
      const rows = (await Promise.all(list.mock.results.map((result) => result.value as Promise<unknown[]>))).flat();
      // One index row and one entry per entry of the run: a scan of the chain would have returned all 40.
      expect(rows).toHaveLength(2 * mine.length);
    } finally {
      list.mockRestore();
    }
  });

  it("a schema-1 store is indexed on open: trails read as written, and audit verify still checks the whole chain", async () => {
    const store = azurite.freshStore();
    const client = new StorageClient(parseStoreLocation(store));
    try {
      // The tables as schema 1 left them: chain entries without index rows, and the marker at 1.
      await open(store).runs.list();
      await client.upsertEntity(RUNS_TABLE, { partitionKey: "meta", rowKey: "schema", schema: 1 });
      const written: AuditEntry[] = [];
      for (const [i, runId] of ["r1", "r2", "r1", null, "r2", "r1"].entries()) {
        const entry = nextEntry(record(runId, `x${i}`), written[written.length - 1]);
        await client.createEntity(AUDIT_TABLE, { ...chainEntityOf(entry), schema: 1 });
        written.push(entry);
      }

      const upgraded = open(store);
      expect(await upgraded.audit.trail("r1")).toEqual(written.filter((entry) => entry.runId === "r1"));
      expect(await upgraded.audit.verify()).toEqual({ ok: true, entries: 6 });
      expect((await client.getEntity(RUNS_TABLE, "meta", "schema"))?.schema).toBe(STORE_SCHEMA);

      // An entry changed afterwards: verify walks the whole chain and finds it; that run's trail refuses to read.
      await client.upsertEntity(AUDIT_TABLE, { ...chainEntityOf(written[4]!), outcome: "changed" });
      expect(await upgraded.audit.verify()).toMatchObject({ ok: false, brokenAt: 5 });
      await expect(upgraded.audit.trail("r2")).rejects.toThrow(/does not match its index/);
      expect(await upgraded.audit.trail("r1")).toEqual(written.filter((entry) => entry.runId === "r1"));
    } finally {
      client.close();
    }
  });
});
