import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteBackend } from "../../src/runs/sqlite-store.js";
import { storeContract } from "./fixtures/store-contract.js";

const homes: string[] = [];
afterAll(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

storeContract("node:sqlite in ACR_CMK_HOME", () => {
  const home = mkdtempSync(join(tmpdir(), "acr-cmk-store-"));
  homes.push(home);
  return { open: () => openSqliteBackend(home) };
});

describe("two backends of one process on one file", () => {
  it("a write of one lands while the other's exclusive unit waits between its statements", async () => {
    const home = mkdtempSync(join(tmpdir(), "acr-cmk-store-"));
    homes.push(home);
    const [a, b] = [openSqliteBackend(home), openSqliteBackend(home)];
    const entry = (action: string) => ({
      at: "2026-12-03T05:00:00.000Z",
      runId: "r1",
      actor: "a",
      action,
      outcome: "ok",
    });
    let unitWrote!: () => void;
    const inUnit = new Promise<void>((resolve) => (unitWrote = resolve));
    const unit = a.exclusive("r1", async () => {
      await a.audit.append(entry("unit-1"));
      unitWrote();
      // Another run's write comes in here, while this unit's transaction is open: it must neither fail with
      // "database is locked" nor block this thread until SQLite gives up.
      await new Promise((resolve) => setImmediate(resolve));
      await a.audit.append(entry("unit-2"));
    });
    await inUnit;
    await b.audit.append(entry("other"));
    await unit;
    expect((await b.audit.trail("r1")).map((e) => e.action)).toEqual(["unit-1", "other", "unit-2"]);
    expect(await a.audit.verify()).toEqual({ ok: true, entries: 3 });
    b.close();
    // The connection is shared: closing one backend leaves the other working.
    expect((await a.audit.trail("r1")).length).toBe(3);
    a.close();
  });
});
