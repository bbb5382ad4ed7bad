// The look at a key in neither Key Vault list, shared by diagnose and the key-deleted runbook: bounded, quick to stop
// once the key shows up, and stoppable.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AzureFailure, type CmkAzure, type DeletedKeyInfo } from "../../src/azure/types.js";
import { findDeletedKey, isKeyNotFound, lookWhileMissing } from "../../src/diagnosis/missing-key-look.js";

const missing = (value: string | null) => value === null;

describe("lookWhileMissing", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it("reads once and stops when the first read finds it", async () => {
    const read = vi.fn(async () => "record");
    const result = await lookWhileMissing(read, missing, {
      look: { everyMs: 100, forMs: 1_000 },
      signal: new AbortController().signal,
    });
    expect(result).toEqual({ value: "record", looks: 1, waitedMs: 0, stopped: false });
    expect(read).toHaveBeenCalledTimes(1);
  });

  it("looks again every everyMs until the record appears", async () => {
    let calls = 0;
    const read = vi.fn(async (before: number) => {
      expect(before).toBe(calls++);
      return calls === 3 ? "record" : null;
    });
    const pending = lookWhileMissing(read, missing, {
      look: { everyMs: 100, forMs: 1_000 },
      signal: new AbortController().signal,
    });
    await vi.advanceTimersByTimeAsync(250);
    const result = await pending;
    expect(result).toMatchObject({ value: "record", looks: 3, waitedMs: 200, stopped: false });
  });

  it("gives up after forMs, its last pause only as long as the time left", async () => {
    const read = vi.fn(async () => null);
    const pending = lookWhileMissing(read, missing, {
      look: { everyMs: 100, forMs: 250 },
      signal: new AbortController().signal,
    });
    await vi.advanceTimersByTimeAsync(1_000);
    const result = await pending;
    // Reads at 0, 100, 200 and 250 ms: the last pause is 50 ms, not 100.
    expect(result).toEqual({ value: null, looks: 4, waitedMs: 250, stopped: false });
  });

  it("an abort during a pause ends the look at once, without another read", async () => {
    const controller = new AbortController();
    const read = vi.fn(async () => null);
    const pending = lookWhileMissing(read, missing, {
      look: { everyMs: 100, forMs: 10_000 },
      signal: controller.signal,
    });
    await vi.advanceTimersByTimeAsync(150);
    controller.abort(new Error("stopped by the operator"));
    const result = await pending;
    expect(result).toMatchObject({ value: null, looks: 2, stopped: true });
    expect(read).toHaveBeenCalledTimes(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("a read that fails ends the look with its error", async () => {
    let calls = 0;
    const read = async () => {
      if (++calls === 2) throw new Error("vault unavailable");
      return null;
    };
    const pending = lookWhileMissing(read, missing, {
      look: { everyMs: 10, forMs: 1_000 },
      signal: new AbortController().signal,
    });
    const failed = expect(pending).rejects.toThrow("vault unavailable");
    await vi.advanceTimersByTimeAsync(20);
    await failed;
  });
});

describe("findDeletedKey", () => {
  const record = { id: "https://v.vault.azure.net/keys/k/1", name: "k", version: "1" } as DeletedKeyInfo;
  /** findDeletedKey against a port whose getDeletedKey answers `answer()`. */
  const find = (answer: () => Promise<DeletedKeyInfo>) =>
    findDeletedKey({ getDeletedKey: answer } as unknown as CmkAzure, "https://v.vault.azure.net/", "k");

  it("answers the deleted record", async () => {
    await expect(find(async () => record)).resolves.toBe(record);
  });

  it("answers null when Key Vault has no deleted record", async () => {
    const notFound = new AzureFailure("Deleted Key not found: k", "key-not-found", { statusCode: 404 });
    await expect(find(() => Promise.reject(notFound))).resolves.toBeNull();
    expect(isKeyNotFound(new AzureFailure("gone", "not-found", {}))).toBe(true);
  });

  it("passes on any other failure", async () => {
    const forbidden = new AzureFailure("Forbidden by policy", "forbidden-by-policy", { statusCode: 403 });
    await expect(find(() => Promise.reject(forbidden))).rejects.toBe(forbidden);
    expect(isKeyNotFound(forbidden)).toBe(false);
  });
});
