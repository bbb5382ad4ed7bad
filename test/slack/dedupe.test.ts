// Click dedupe and the per-run queue: the two things that keep a redelivered or doubled click from acting twice.
import { describe, expect, it } from "vitest";
import { ClickDedupe, PerRunQueue } from "../../src/slack/dedupe.js";

describe("ClickDedupe", () => {
  it("acts on a key once until it is forgotten", () => {
    let now = 0;
    const dedupe = new ClickDedupe(() => new Date(now), 1000);
    expect(dedupe.first("U1:approve:1.1")).toBe(true);
    expect(dedupe.first("U1:approve:1.1")).toBe(false);
    expect(dedupe.first("U1:approve:1.2")).toBe(true);
    now = 5000;
    expect(dedupe.first("U1:approve:1.1")).toBe(true);
  });

  it("stays bounded", () => {
    const dedupe = new ClickDedupe(() => new Date(0), 60_000, 3);
    for (const key of ["a", "b", "c", "d"]) expect(dedupe.first(key)).toBe(true);
    // "a" was evicted to make room, "d" is remembered.
    expect(dedupe.first("d")).toBe(false);
    expect(dedupe.first("a")).toBe(true);
  });
});

describe("PerRunQueue", () => {
  it("runs one run's tasks in order, even after a failure, and other runs alongside", async () => {
    const queue = new PerRunQueue();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = queue.run("r1", async () => {
      await gate;
      order.push("r1-first");
      throw new Error("refused");
    });
    const second = queue.run("r1", async () => void order.push("r1-second"));
    const other = queue.run("r2", async () => void order.push("r2"));
    // r2 is not held up by r1's unfinished task; r1's second task waits for its first.
    await other;
    expect(order).toEqual(["r2"]);
    release();
    await expect(slow).rejects.toThrow("refused");
    await second;
    await other;
    expect(order).toEqual(["r2", "r1-first", "r1-second"]);
  });
});
