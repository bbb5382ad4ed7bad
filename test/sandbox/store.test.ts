import { readFileSync, utimesSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createWorld, fileStore, initFileStore, memoryStore, SandboxStateError } from "../../src/sandbox/index.js";
import { tempDir } from "../fixtures/cli-capture.js";
import { runStoreChild } from "../fixtures/store-child.js";

let temp: ReturnType<typeof tempDir>;
beforeEach(() => {
  temp = tempDir();
});
afterEach(() => temp.cleanup());

describe("memoryStore", () => {
  it("keeps what an update leaves in the world", () => {
    const store = memoryStore(createWorld());
    store.update((world) => {
      world.counters.requests = 7;
    });
    expect(store.read().counters.requests).toBe(7);
  });

  it("changes nothing when the update throws", () => {
    const store = memoryStore(createWorld());
    expect(() =>
      store.update((world) => {
        world.counters.requests = 7;
        throw new Error("refused");
      }),
    ).toThrow("refused");
    expect(store.read().counters.requests).toBe(0);
  });

  it("gives readers the same frozen world as the file store does, so a reader that changes it fails in tests", () => {
    const store = memoryStore(createWorld({ registries: 2 }));
    const first = store.read();
    expect(store.read()).toBe(first);
    expect(() => {
      first.counters.requests = 99;
    }).toThrow(TypeError);
    expect(() => {
      Object.values(first.registries)[0]!.repositories.push("x");
    }).toThrow(TypeError);
    store.update((world) => {
      world.counters.requests = 1;
    });
    expect(store.read()).not.toBe(first);
    expect(store.read().counters.requests).toBe(1);
    expect(first.counters.requests).toBe(0);
  });
});

describe("fileStore", () => {
  it("round-trips the world through the state file", () => {
    const path = join(temp.dir, "nested", "sandbox.json");
    const world = createWorld();
    initFileStore(path, world);
    // Every write stamps a fresh revision first in the file; the rest is the world as given.
    expect(fileStore(path).read()).toEqual({ ...world, revision: expect.any(String) });
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it("says how to start when there is no state file", () => {
    const path = join(temp.dir, "sandbox.json");
    expect(() => fileStore(path).read()).toThrow(SandboxStateError);
    expect(() => fileStore(path).read()).toThrow(`no sandbox at ${path}: run \`acr-cmk sandbox init\``);
    expect(() => fileStore(path).update(() => 1)).toThrow(/no sandbox at/);
    expect(existsSync(path)).toBe(false);
  });

  it("refuses a corrupt state file, names it, and leaves it untouched", () => {
    const path = join(temp.dir, "sandbox.json");
    writeFileSync(path, '{"version": 1, "regis');
    expect(() => fileStore(path).update((w) => (w.counters.requests = 1))).toThrow(
      new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is not valid JSON.*sandbox init`),
    );
    expect(readFileSync(path, "utf8")).toBe('{"version": 1, "regis');
  });

  it("refuses a state file from another version or of another shape", () => {
    const path = join(temp.dir, "sandbox.json");
    writeFileSync(path, JSON.stringify({ ...createWorld(), version: 99 }));
    expect(() => fileStore(path).read()).toThrow(/has version 99, this acr-cmk reads version 1/);
    writeFileSync(path, JSON.stringify({ version: 1, registries: [] }));
    expect(() => fileStore(path).read()).toThrow(/is not a sandbox world/);
  });

  it("does not write when the update throws", () => {
    const path = join(temp.dir, "sandbox.json");
    initFileStore(path, createWorld());
    const before = readFileSync(path, "utf8");
    expect(() =>
      fileStore(path).update((world) => {
        world.counters.requests = 5;
        throw new Error("half-done");
      }),
    ).toThrow("half-done");
    expect(readFileSync(path, "utf8")).toBe(before);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it("leaves in place a lock that another writer took after breaking this one's as stale", () => {
    const path = join(temp.dir, "sandbox.json");
    initFileStore(path, createWorld());
    const theirs = `${process.pid} 2030-01-01T00:00:00.000Z other-writer`;
    fileStore(path).update((world) => {
      world.counters.requests = 1;
      // What a writer that found this update's lock too old does: it moves it aside and takes the lock itself.
      writeFileSync(`${path}.lock`, theirs);
    });
    expect(readFileSync(`${path}.lock`, "utf8")).toBe(theirs);
  });

  it("breaks a lock left by a dead process at once, not once it is old", () => {
    const path = join(temp.dir, "sandbox.json");
    initFileStore(path, createWorld());
    writeFileSync(`${path}.lock`, "2147483646 2020-01-01T00:00:00.000Z");
    // Dated in the future, the lock never looks old: only its dead pid can get it broken.
    const future = new Date(Date.now() + 60 * 60_000);
    utimesSync(`${path}.lock`, future, future);
    // Each clock read moves a second on, so a writer that waits for the lock instead gives up within milliseconds.
    let now = Date.now();
    const clock = vi.spyOn(Date, "now").mockImplementation(() => (now += 1_000));
    try {
      fileStore(path).update((world) => (world.counters.writes = 3));
    } finally {
      clock.mockRestore();
    }
    expect(fileStore(path).read().counters.writes).toBe(3);
  });

  it("breaks a lock older than ten seconds even if its pid is alive", () => {
    const path = join(temp.dir, "sandbox.json");
    initFileStore(path, createWorld());
    writeFileSync(`${path}.lock`, `${process.pid} 2020-01-01T00:00:00.000Z`);
    const old = new Date(Date.now() - 20_000);
    utimesSync(`${path}.lock`, old, old);
    fileStore(path).update((world) => (world.counters.writes = 4));
    expect(fileStore(path).read().counters.writes).toBe(4);
  });

  it("loses no update when two processes write at once (2 × 50 increments)", async () => {
    const path = join(temp.dir, "sandbox.json");
    initFileStore(path, createWorld());
    const startAt = Date.now() + 2000;
    const run = () =>
      runStoreChild(`
        const store = fileStore(${JSON.stringify(path)});
        // Both writers start at the same instant, whatever their start-up time, so they really contend.
        const cell = new Int32Array(new SharedArrayBuffer(4));
        while (Date.now() < ${startAt}) Atomics.wait(cell, 0, 0, 5);
        for (let i = 0; i < 50; i++) store.update((world) => { world.counters.requests += 1; });
      `);
    await Promise.all([run(), run()]);
    expect(fileStore(path).read().counters.requests).toBe(100);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });
});
