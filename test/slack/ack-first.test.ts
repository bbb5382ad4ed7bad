// Work after an ack waits while requests keep arriving (a burst is acknowledged first), and never past its cap.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AckFirst } from "../../src/slack/ack-first.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function started(scheduler: AckFirst): { done: boolean } {
  const state = { done: false };
  void scheduler.turn().then(() => (state.done = true));
  return state;
}

describe("AckFirst", () => {
  it("starts work once requests have stopped arriving for the quiet spell", async () => {
    const scheduler = new AckFirst({ quietMs: 10, maxDelayMs: 200, now: () => Date.now() });
    scheduler.arrived();
    const work = started(scheduler);
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(5);
      scheduler.arrived(); // the burst goes on
    }
    expect(work.done).toBe(false);
    await vi.advanceTimersByTimeAsync(10);
    expect(work.done).toBe(true);
  });

  it("a steady stream of requests holds work back no longer than the cap", async () => {
    const scheduler = new AckFirst({ quietMs: 10, maxDelayMs: 50, now: () => Date.now() });
    const work = started(scheduler);
    for (let elapsed = 0; elapsed < 40; elapsed += 4) {
      scheduler.arrived();
      await vi.advanceTimersByTimeAsync(4);
    }
    expect(work.done).toBe(false);
    for (let elapsed = 40; elapsed < 64; elapsed += 4) {
      scheduler.arrived();
      await vi.advanceTimersByTimeAsync(4);
    }
    expect(work.done).toBe(true);
  });

  it("work after a lone request starts one quiet spell after it arrived", async () => {
    const scheduler = new AckFirst({ quietMs: 10, now: () => Date.now() });
    scheduler.arrived();
    const work = started(scheduler);
    await vi.advanceTimersByTimeAsync(9);
    expect(work.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(work.done).toBe(true);
  });
});
