// The parsed world a process keeps for a state file: read again only when the file changed, whoever changed it (another
// process, a same-size rewrite within one clock tick, an edit by hand), never changed in place by a reader, and written
// part by part with the same bytes JSON.stringify would write.
import { readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSandboxHandler } from "../../src/sandbox/handler.js";
import { createWorld, fileStore, initFileStore, type World } from "../../src/sandbox/index.js";
import { draftOf, settled } from "../../src/sandbox/world-draft.js";
import { worldBytes } from "../../src/sandbox/world-text.js";
import { tempDir } from "../fixtures/cli-capture.js";
import { runStoreChild } from "../fixtures/store-child.js";

let temp: ReturnType<typeof tempDir>;
let path: string;
beforeEach(() => {
  temp = tempDir();
  path = join(temp.dir, "sandbox.json");
});
afterEach(() => temp.cleanup());

function registryUrl(world: World): string {
  const registry = Object.values(world.registries)[0]!;
  return `https://management.azure.com${registry.id}?api-version=2025-04-01`;
}

describe("the world a process keeps", () => {
  it("is the same frozen object while the file has not changed, and a reader cannot change it", () => {
    initFileStore(path, createWorld({ registries: 3 }));
    const store = fileStore(path);
    const first = store.read();
    expect(fileStore(path).read()).toBe(first);
    expect(Object.isFrozen(first.registries)).toBe(true);
    expect(() => {
      first.counters.requests = 99;
    }).toThrow(TypeError);
    expect(store.read().counters.requests).toBe(0);
  });

  it("a change made by another process is seen at the next request", async () => {
    initFileStore(path, createWorld({ registries: 3 }));
    const store = fileStore(path);
    const handler = createSandboxHandler({ store });
    const url = registryUrl(store.read());
    const before = await handler.handle({ method: "GET", url, headers: {} });
    expect(before.status).toBe(200);

    await runStoreChild(`
      fileStore(${JSON.stringify(path)}).update((world) => {
        delete world.registries[Object.keys(world.registries)[0]];
      });
    `);
    const after = await handler.handle({ method: "GET", url, headers: {} });
    expect(after.status).toBe(404);
    // Both requests counted, across the two processes' writes.
    expect(store.read().counters.requests).toBe(2);
  });

  it("tells apart two versions of the same size, inode and mtime by the revision each write stamps", () => {
    initFileStore(path, createWorld());
    const store = fileStore(path);
    expect(store.read().counters.requests).toBe(0);
    const text = readFileSync(path, "utf8");
    const { mtime, size } = statSync(path);
    // Rewritten in place (same inode), the same length, dated as before: only the revision says it changed.
    const revision = /"revision": "([^"]+)"/.exec(text)![1]!;
    const other = revision.replace(/^./, (c) => (c === "a" ? "b" : "a"));
    writeFileSync(path, text.replace(revision, other).replace('"requests": 0', '"requests": 7'));
    utimesSync(path, mtime, mtime);
    expect(statSync(path).size).toBe(size);
    expect(store.read().counters.requests).toBe(7);
  });

  it("sees an edit by hand that keeps the revision (size and mtime change)", () => {
    initFileStore(path, createWorld());
    const store = fileStore(path);
    expect(store.read().counters.writes).toBe(0);
    writeFileSync(path, readFileSync(path, "utf8").replace('"writes": 0', '"writes": 12'));
    expect(store.read().counters.writes).toBe(12);
  });

  it("an update that throws leaves the kept world as it was", () => {
    initFileStore(path, createWorld());
    const store = fileStore(path);
    const kept = store.read();
    expect(() =>
      store.update((world) => {
        world.counters.requests = 5;
        throw new Error("half-done");
      }),
    ).toThrow("half-done");
    expect(store.read()).toBe(kept);
    expect(kept.counters.requests).toBe(0);
  });
});

describe("an update's draft", () => {
  it("copies only the parts the update reads; the rest stays shared with the kept world", () => {
    initFileStore(path, createWorld({ registries: 3 }));
    const store = fileStore(path);
    const before = store.read();
    store.update((world) => {
      world.counters.requests += 1;
    });
    const after = store.read();
    expect(after).not.toBe(before);
    expect(after.registries).toBe(before.registries);
    expect(after.counters).not.toBe(before.counters);
    expect(after.counters.requests).toBe(before.counters.requests + 1);
    expect(Object.isFrozen(after.counters)).toBe(true);
  });

  it("takes parts set, added and deleted by the update", () => {
    const base = Object.freeze({ ...createWorld() }) as World;
    const draft = draftOf(base);
    draft.resourceGroups = ["rg-new"];
    draft.workspaces = {};
    delete draft.changes;
    const out = settled(draft, base);
    expect(out.resourceGroups).toEqual(["rg-new"]);
    expect(out.workspaces).toEqual({});
    expect("changes" in out).toBe(false);
    expect(out.vaults).toBe(base.vaults);
  });
});

describe("the state file's bytes", () => {
  it("are what JSON.stringify(world, null, 2) writes, for a fleet and after a change", () => {
    initFileStore(path, createWorld({ registries: 4, containerGroups: 2, keys: 2 }));
    const store = fileStore(path);
    const expected = (world: World) => JSON.stringify(world, null, 2) + "\n";
    expect(Buffer.concat(worldBytes(store.read())).toString()).toBe(expected(store.read()));
    store.update((world) => {
      world.resourceGroups = [...world.resourceGroups, "rg-a\nb", 'rg-"q"'];
    });
    expect(readFileSync(path, "utf8")).toBe(expected(store.read()));
  });
});
