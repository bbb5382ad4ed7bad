// GET /healthz and GET /readyz on the Slack app's HTTP port: up, and ready only when the store and Slack answer.
import { describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";

const base = (harness: Harness) => harness.url.replace(/\/slack\/events$/, "");

describe("health and readiness", () => {
  it("healthz answers while the process serves; readyz names Slack when it refuses the token, and is ready once it accepts", async () => {
    const h = await startHarness();
    const health = await fetch(`${base(h)}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });

    h.slack.failures.set("auth.test", "invalid_auth");
    const refused = await fetch(`${base(h)}/readyz`);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({
      status: "not-ready",
      store: "ok",
      slack: expect.stringContaining("invalid_auth"),
    });

    h.slack.failures.delete("auth.test");
    const ready = await fetch(`${base(h)}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", store: "ok", slack: "ok" });
  });

  it("readyz says the store is down when it does not answer", async () => {
    const h = await startHarness();
    await h.engine.close();
    const down = await fetch(`${base(h)}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: "not-ready", store: "the run engine is closed" });
  });
});
