// Every request is verified: Bolt's own signature check (never bypassed) and the clock-skew check in both directions.
import { describe, expect, it } from "vitest";
import { checkRequestTimestamp } from "../../src/slack/signature.js";
import { ALICE, startHarness, type Harness } from "./harness.js";

const now = Date.parse("2030-01-01T00:00:00Z");
const seconds = Math.floor(now / 1000);

describe("checkRequestTimestamp", () => {
  it("accepts timestamps within five minutes either way", () => {
    expect(checkRequestTimestamp(String(seconds - 299), now)).toEqual({ ok: true });
    expect(checkRequestTimestamp(String(seconds + 299), now)).toEqual({ ok: true });
  });

  it("refuses old, future, missing and malformed timestamps", () => {
    expect(checkRequestTimestamp(String(seconds - 301), now)).toMatchObject({
      ok: false,
      reason: "request timestamp is 301s old",
    });
    expect(checkRequestTimestamp(String(seconds + 301), now)).toMatchObject({
      ok: false,
      reason: "request timestamp is 301s in the future",
    });
    expect(checkRequestTimestamp(undefined, now).ok).toBe(false);
    expect(checkRequestTimestamp("12abc", now).ok).toBe(false);
    expect(checkRequestTimestamp(["1", "2"], now).ok).toBe(false);
  });
});

describe("request verification over HTTP", () => {
  /** The text of every slash command Bolt dispatches, seen by a middleware ahead of every listener. */
  function dispatchedCommands(harness: Harness): string[] {
    const seen: string[] = [];
    harness.app.app.use(async ({ body, next }) => {
      seen.push(String((body as { text?: unknown }).text));
      await next();
    });
    return seen;
  }

  /**
   * The refused request reached no listener and changed nothing. The definite event to check at: a correctly signed
   * `help` sent after it has been dispatched and answered, so a refused request that got through (sent first) would
   * have been dispatched by then too.
   */
  async function expectNoSideEffect(harness: Harness, dispatched: string[]): Promise<void> {
    expect((await harness.command(ALICE, "help")).status).toBe(200);
    expect(dispatched).toEqual(["help"]);
    expect(harness.slack.calls.filter((c) => c.method !== "auth.test")).toHaveLength(0);
    expect(harness.slack.responses).toHaveLength(0);
    expect(await harness.engine.list()).toHaveLength(0);
  }

  it("a correctly signed request is answered", async () => {
    const h = await startHarness();
    expect((await h.command(ALICE, "help")).status).toBe(200);
  });

  it("a bad signature gets 401 and changes nothing", async () => {
    const h = await startHarness({ incident: "key-deleted" });
    const dispatched = dispatchedCommands(h);
    const response = await h.command(ALICE, `recover ${h.registry.resourceGroup}/${h.registry.name}`, {
      signWith: "not-the-secret",
    });
    expect(response.status).toBe(401);
    await expectNoSideEffect(h, dispatched);
  });

  it("a stale timestamp (correctly signed) is refused", async () => {
    const h = await startHarness({ incident: "key-deleted" });
    const dispatched = dispatchedCommands(h);
    const stale = Math.floor(Date.now() / 1000) - 6 * 60;
    const response = await h.command(ALICE, `recover ${h.registry.resourceGroup}/${h.registry.name}`, {
      timestamp: stale,
    });
    expect(response.status).toBe(401);
    await expectNoSideEffect(h, dispatched);
  });

  it("a future timestamp (correctly signed) is refused, which Bolt alone would accept", async () => {
    const h = await startHarness({ incident: "key-deleted" });
    const dispatched = dispatchedCommands(h);
    const future = Math.floor(Date.now() / 1000) + 6 * 60;
    const response = await h.command(ALICE, `recover ${h.registry.resourceGroup}/${h.registry.name}`, {
      timestamp: future,
    });
    expect(response.status).toBe(401);
    await expectNoSideEffect(h, dispatched);
  });

  it("the skew check follows the injected clock", async () => {
    const clock = { now: () => new Date(Date.now() + 10 * 60_000) };
    const h = await startHarness({ clock });
    // Signed at the real time, which is ten minutes in this app's past.
    expect((await h.command(ALICE, "help", { timestamp: Math.floor(Date.now() / 1000) })).status).toBe(401);
    expect((await h.command(ALICE, "help")).status).toBe(200);
  });
});
