// A shared store that is unreachable, refuses us, holds a newer schema, or restarts under a running engine.
import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { StorageClient } from "../../../src/azure/storage/client.js";
import { parseStoreLocation } from "../../../src/azure/storage/location.js";
import { openAzureBackend } from "../../../src/runs/azure-store/index.js";
import { STORE_SCHEMA } from "../../../src/runs/azure-store/entities.js";
import { RUNS_TABLE } from "../../../src/runs/azure-store/runs.js";
import { startAzurite, type Azurite } from "../../fixtures/azurite.js";
import { runRecord } from "../fixtures/store-contract.js";
import { useToyEngines } from "../fixtures/toy-engines.js";
import { fakeVault } from "../../fixtures/toy-runbook.js";

// Real time against a real emulator (and real processes): generous limits for a loaded 2-core machine.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 60_000 });

const BIN = fileURLToPath(new URL("../../../bin/acr-cmk.js", import.meta.url));
const target = { subscriptionId: "sub-1", resourceGroup: "rg-acr", registry: "acrprod" };

let azurite: Azurite;
let home: string;
beforeAll(async () => {
  azurite = await startAzurite({ persist: true });
  home = mkdtempSync(join(tmpdir(), "acr-cmk-store-faults-"));
});
afterAll(async () => {
  await azurite.dispose();
  rmSync(home, { recursive: true, force: true });
});
afterEach(async () => {
  // A test that stopped the emulator leaves it running again for the next one.
  await azurite.start();
});

function cli(store: string, args: string[]) {
  const env = { ...process.env, ACR_CMK_HOME: home, ACR_CMK_STORE: store, NO_COLOR: "1" };
  return spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env, timeout: 60_000 });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const toy = useToyEngines("acr-cmk-store-faults-", { store: () => azurite.freshStore() });

describe("a shared store that cannot be used", () => {
  it("unreachable: names the store, never its key, and exits 3", async () => {
    const port = await closedPort();
    const unreachable = azurite
      .freshStore()
      .replaceAll(`:${azurite.blobPort}/`, `:${port}/`)
      .replaceAll(`:${azurite.tablePort}/`, `:${port}/`);
    const result = cli(unreachable, ["runs", "list"]);
    expect(result.stderr).toContain(`the shared store acct`);
    expect(result.stderr).toContain(`http://127.0.0.1:${port}/`);
    expect(result.stderr).toContain("(ACR_CMK_STORE) could not be reached");
    expect(result.stderr).not.toContain(parseKey(unreachable));
    expect(result.stderr).not.toContain("unexpected error");
    expect(result.status).toBe(3);
  });

  it("refusing our key: says the identity was refused, exit 3", () => {
    const wrongKey = azurite
      .freshStore()
      .replace(/AccountKey=[^;]+/, `AccountKey=${Buffer.from("wrong").toString("base64")}`);
    const result = cli(wrongKey, ["audit", "verify"]);
    expect(result.stderr).toContain("(ACR_CMK_STORE) refused this identity");
    expect(result.status).toBe(3);
  });

  it("malformed: a usage error naming the forms it takes, exit 2", () => {
    const result = cli("not a store", ["runs", "list"]);
    expect(result.stderr).toContain("ACR_CMK_STORE is neither a storage connection string");
    expect(result.status).toBe(2);
    expect(cli("https://acct.blob.core.windows.net", ["runs", "list"]).stderr).toContain("Table endpoint");
  });

  it("holding runs of a newer schema: refuses with the version and rewrites nothing", async () => {
    const newer = azurite.freshStore();
    const first = openAzureBackend(newer);
    await first.runs.list();
    first.close();
    const client = new StorageClient(parseStoreLocation(newer));
    try {
      await client.upsertEntity(RUNS_TABLE, { partitionKey: "meta", rowKey: "schema", schema: STORE_SCHEMA + 1 });
      const before = await client.getEntity(RUNS_TABLE, "meta", "schema");
      const result = cli(newer, ["runs", "list"]);
      expect(result.stderr).toContain(`holds runs of store schema version ${STORE_SCHEMA + 1}`);
      expect(result.stderr).toContain("Upgrade acr-cmk");
      expect(result.status).toBe(2);
      expect((await client.getEntity(RUNS_TABLE, "meta", "schema"))?.etag).toBe(before?.etag);
    } finally {
      client.close();
    }
  });

  it("one run of a newer schema: that run is refused with its version, and left as it is", async () => {
    const newer = azurite.freshStore();
    const backend = openAzureBackend(newer);
    const client = new StorageClient(parseStoreLocation(newer));
    try {
      await backend.runs.save(runRecord("r-new"));
      const stored = (await client.getEntity(RUNS_TABLE, "run", "r-new"))!;
      const { etag: _etag, ...entity } = stored;
      await client.upsertEntity(RUNS_TABLE, { ...entity, schema: STORE_SCHEMA + 1 });
      const before = (await client.getEntity(RUNS_TABLE, "run", "r-new"))!;
      const result = cli(newer, ["runs", "show", "r-new"]);
      expect(result.stderr).toContain(`store schema version ${STORE_SCHEMA + 1}`);
      expect(result.status).toBe(2);
      expect(await client.getEntity(RUNS_TABLE, "run", "r-new")).toEqual(before);
    } finally {
      client.close();
      backend.close();
    }
  });
});

function parseKey(connectionString: string): string {
  return /AccountKey=([^;]+)/.exec(connectionString)![1]!;
}

describe("a shared store that goes away under a running engine", () => {
  it("gone for good: the approved change is not sent, the event loop stays free while the store retries, and the run is still there when the store is back", async () => {
    const vault = fakeVault();
    const engine = toy.engineFor(vault);
    const started = await engine.start({ runbook: "key-deleted", target, requester: "alice", driver: "slack" });
    const run = await engine.settled(started.id);
    await azurite.stop();
    let settled = false;
    let ticks = 0;
    const timer = setInterval(() => {
      if (!settled) ticks++;
    }, 10);
    try {
      const approval = engine.approve(run.id, "bob", { fingerprint: "fp-deleted" }).finally(() => (settled = true));
      await expect(approval).rejects.toThrow(/could not be reached/);
    } finally {
      clearInterval(timer);
    }
    // A store call that held the thread while it retried (a synchronous bridge to the SDK) would let no timer fire
    // until it returned; here the ticks go on through every retry (about a hundred a second).
    expect(ticks).toBeGreaterThan(10);
    expect(vault.writes).toEqual([]);
    await azurite.start();
    const again = toy.engineFor(vault);
    expect((await again.get(run.id))?.status).toBe("awaiting-approval");
    expect(await again.verifyAudit()).toMatchObject({ ok: true });
  });

  it("restarted: the engine rides the restart out, the change runs once and no run is lost", async () => {
    const vault = fakeVault();
    const engine = toy.engineFor(vault);
    const started = await engine.start({ runbook: "key-deleted", target, requester: "alice", driver: "slack" });
    const run = await engine.settled(started.id);
    await azurite.stop();
    // Comes back while the approval's store calls retry: their retries carry them over.
    const back = azurite.start(1500);
    await engine.approve(run.id, "bob", { fingerprint: "fp-deleted" });
    await back;
    expect((await engine.settled(run.id)).status).toBe("awaiting-input");
    expect(vault.writes).toEqual(["recoverDeletedKey"]);
    const other = toy.engineFor(vault);
    expect((await other.list()).map((summary) => summary.id)).toEqual([run.id]);
    expect(await other.verifyAudit()).toMatchObject({ ok: true });
  });
});
