// An approval request that lapses while nobody clicks: the engine audits it once, and the run's message drops Approve
// and Reject for "expired at …" with Ask again, which requests a fresh approval.
import { afterEach, describe, expect, it, vi } from "vitest";
import { ACTION } from "../../src/slack/action-ids.js";
import {
  ALICE,
  BOB,
  buttonsOn,
  latestMessage,
  movableClock,
  recoveryAwaitingApproval,
  startHarness,
  threadTexts,
  waitFor,
} from "./harness.js";

const TTL_MS = 60_000;
afterEach(() => void vi.useRealTimers());

describe("approval expiry in Slack", () => {
  it("the message replaces Approve and Reject with the expiry and Ask again once the request lapses", async () => {
    const clock = movableClock();
    const h = await startHarness({ incident: "key-deleted", approvalTtlMs: TTL_MS, clock });
    // The engine arms the expiry with setTimeout: a fake one, which otherwise keeps real time so that HTTP, Bolt and
    // the sandbox run as usual, lets the request lapse at once; the clock tells the engine the time has passed.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"], shouldAdvanceTime: true, advanceTimeDelta: 5 });
    const run = await recoveryAwaitingApproval(h);
    expect(buttonsOn(h.slack, run.channel, run.ts).map((b) => b.action_id)).toEqual([
      ACTION.approve,
      ACTION.reject,
      ACTION.abort,
    ]);
    const expiresAt = (await h.engine.get(run.runId))!.approval!.expiresAt;
    clock.advance(TTL_MS);
    await vi.advanceTimersByTimeAsync(TTL_MS + 1);

    const askAgain = await waitFor("Ask again on the message", () =>
      buttonsOn(h.slack, run.channel, run.ts).find((b) => b.action_id === ACTION.askAgain),
    );
    expect(buttonsOn(h.slack, run.channel, run.ts).map((b) => b.action_id)).toEqual([ACTION.askAgain, ACTION.abort]);
    const seconds = Math.floor(Date.parse(expiresAt) / 1000);
    expect(JSON.stringify(latestMessage(h.slack, run.channel, run.ts)!.blocks)).toContain(
      `expired at <!date^${seconds}^`,
    );
    const expired = (await h.engine.auditTrail(run.runId)).filter((entry) => entry.action === "approval-expired");
    expect(expired).toEqual([
      expect.objectContaining({ actor: "acr-cmk", details: expect.objectContaining({ expiresAt }) }),
    ]);
    expect((await h.engine.get(run.runId))?.status).toBe("awaiting-approval");
    // The people in the thread hear of it once, with what to do.
    const told = await waitFor("the expiry in the thread", () => {
      const texts = threadTexts(h, run.ts).filter((text) => text.includes("the request expired"));
      return texts.length > 0 ? texts : undefined;
    });
    expect(told).toHaveLength(1);
    expect(told[0]).toContain("*Ask again*");

    await h.click(ALICE, askAgain);
    const approve = await waitFor("a fresh Approve", () =>
      buttonsOn(h.slack, run.channel, run.ts).find((b) => b.action_id === ACTION.approve),
    );
    expect(Date.parse((await h.engine.get(run.runId))!.approval!.expiresAt)).toBeGreaterThan(Date.parse(expiresAt));
    await h.click(BOB, approve);
    await waitFor("the change", async () =>
      (await h.engine.auditTrail(run.runId)).some((e) => e.action === "change-end"),
    );
    expect((await h.engine.auditTrail(run.runId)).filter((e) => e.action === "approval-expired")).toHaveLength(1);
    expect(threadTexts(h, run.ts).filter((text) => text.includes("the request expired"))).toHaveLength(1);
  });
});
