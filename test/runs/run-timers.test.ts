// The timers of a live run follow absolute times: they fire once, survive re-syncs with the same deadline, re-arm when
// the clock says it is not yet time, and stop when cleared.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RunTimers } from "../../src/runs/run-timers.js";

function timers() {
  const calls: string[] = [];
  const t = new RunTimers(1_000, {
    now: () => new Date(),
    onPoll: () => calls.push("poll"),
    onDeadline: () => calls.push("deadline"),
    onApprovalExpired: () => calls.push("expired"),
  });
  return { t, calls };
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date("2030-01-01T00:00:00Z") });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("RunTimers", () => {
  it("fires a deadline once at its absolute time, however often the same state is synced", () => {
    const { t, calls } = timers();
    const deadline = "2030-01-01T00:00:05.000Z";
    t.sync({ deadline, waiting: false });
    t.sync({ deadline, waiting: false });
    vi.advanceTimersByTime(4_999);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual(["deadline"]);
    vi.advanceTimersByTime(60_000);
    expect(calls).toEqual(["deadline"]);
  });

  it("a deadline already past fires at once (a run picked up after a crash)", () => {
    const { t, calls } = timers();
    t.sync({ deadline: "2029-12-31T23:00:00.000Z", waiting: false });
    vi.advanceTimersByTime(0);
    expect(calls).toEqual(["deadline"]);
  });

  it("an approval expiry fires just after expiresAt; a new request re-arms it", () => {
    const { t, calls } = timers();
    t.sync({ waiting: false, approvalExpiresAt: "2030-01-01T00:00:10.000Z" });
    vi.advanceTimersByTime(10_000);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual(["expired"]);
    t.sync({ waiting: false, approvalExpiresAt: "2030-01-01T00:00:30.000Z" });
    vi.advanceTimersByTime(20_000);
    expect(calls).toEqual(["expired", "expired"]);
  });

  it("polls only while the run waits, and clear() stops everything", () => {
    const { t, calls } = timers();
    t.sync({ waiting: true, deadline: "2030-01-01T01:00:00.000Z" });
    vi.advanceTimersByTime(3_000);
    expect(calls).toEqual(["poll", "poll", "poll"]);
    t.sync({ waiting: false, deadline: "2030-01-01T01:00:00.000Z" });
    vi.advanceTimersByTime(3_000);
    expect(calls).toHaveLength(3);
    t.sync({ waiting: true, deadline: "2030-01-01T01:00:00.000Z" });
    t.clear();
    vi.advanceTimersByTime(2 * 3_600_000);
    expect(calls).toHaveLength(3);
  });
});
