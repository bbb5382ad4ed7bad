import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { StorageClient } from "../../../src/azure/storage/client.js";
import { parseStoreLocation } from "../../../src/azure/storage/location.js";
import { LOCKS_CONTAINER } from "../../../src/runs/azure-store/locks.js";
import { openAzureBackend } from "../../../src/runs/azure-store/index.js";
import { startAzurite, type Azurite } from "../../fixtures/azurite.js";
import { until } from "../../fixtures/until.js";
import { storeContract } from "../fixtures/store-contract.js";

// Real time against a real emulator (and real processes): generous limits for a loaded 2-core machine.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 60_000 });

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite.dispose();
});

storeContract("Azure Storage (Azurite)", () => {
  const store = azurite.freshStore();
  return { open: () => openAzureBackend(store) };
});

describe("a blob-lease lock whose holder crashed on another machine", () => {
  it("lapses with its lease (15 s here): refused before, taken over after, and the old holder has lost it", async () => {
    const store = azurite.freshStore();
    const crashed = openAzureBackend(store);
    const survivor = openAzureBackend(store);
    const client = new StorageClient(parseStoreLocation(store));
    try {
      const now = () => new Date();
      const dead = crashed.locks(15_000, now);
      expect(await dead.acquire("sub-1/rg/acr", "r1")).toEqual({ acquired: true });
      // As if the holder ran elsewhere: its pid cannot be checked from here, only its lease can lapse.
      const { metadata } = await client.blobState(LOCKS_CONTAINER, "sub-1/rg/acr");
      await client.setMetadata(
        LOCKS_CONTAINER,
        "sub-1/rg/acr",
        { ...metadata, ownerhost: "replica-elsewhere" },
        metadata.token!,
      );
      const other = survivor.locks(15_000, now);
      expect(await other.acquire("sub-1/rg/acr", "r1")).toMatchObject({
        acquired: false,
        holder: { ownerHost: "replica-elsewhere" },
      });
      // The lease ends on the service's clock, which no test can move: wait for the end its holder stated (set after
      // the lease was taken, so never before the service's), then for the service to say the lease is over.
      const statedEnd = Date.parse(metadata.expiresat ?? "");
      expect(statedEnd).toBeGreaterThan(Date.now());
      await new Promise((resolve) => setTimeout(resolve, statedEnd - Date.now()));
      await until(
        "the service to end the lease",
        async () => (await client.blobState(LOCKS_CONTAINER, "sub-1/rg/acr")).leaseState !== "leased",
        30_000,
      );
      expect(await other.acquire("sub-1/rg/acr", "r1")).toMatchObject({
        acquired: true,
        takenOverFrom: { runId: "r1", ownerHost: "replica-elsewhere" },
      });
      expect(await dead.heartbeat(["sub-1/rg/acr"])).toEqual(["sub-1/rg/acr"]);
    } finally {
      client.close();
      crashed.close();
      survivor.close();
    }
  });
});
