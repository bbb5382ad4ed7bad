// The plain log of a durable wait: printed once, then at most one progress line a minute, however often it polls.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { PlainPrinter } from "../../src/cli/plain-driver.js";
import type { RunView, StepView } from "../../src/runs/types.js";

const step = (id: string, title: string, kind: StepView["kind"], status: StepView["status"]): StepView => ({
  id,
  title,
  why: "w",
  kind,
  risk: "none",
  status,
});

function view(check: StepView["status"], wait: StepView["status"], verify: StepView["status"]): RunView {
  const waiting = wait === "current";
  return {
    id: "run-1",
    runbook: "rotate",
    target: { subscriptionId: "s", resourceGroup: "rg", registry: "acr" },
    requester: "alice",
    driver: "cli",
    dryRun: false,
    status: waiting ? "waiting" : "running",
    busy: !waiting,
    steps: [
      step("check-pickup", "Check the registry picked up the new version", "check", check),
      step("wait-pickup", "Wait for the registry to pick up the new version", "wait", wait),
      step("verify", "Verify the registry reads its content", "verify", verify),
    ],
    currentStepId: waiting ? "wait-pickup" : verify === "current" ? "verify" : "check-pickup",
    ...(waiting ? { deadline: "2030-01-01T01:00:00.000Z" } : {}),
    log: [],
    rollback: [],
    startedAt: "2030-01-01T00:00:00.000Z",
    updatedAt: "2030-01-01T00:00:00.000Z",
  };
}

describe("a durable wait in the plain log", () => {
  it("prints the wait once, then one progress line a minute, and says how to move on in the sandbox", () => {
    const out = new PassThrough();
    let text = "";
    out.on("data", (chunk: Buffer) => (text += chunk.toString()));
    let now = Date.parse("2030-01-01T00:00:00Z");
    const printer = new PlainPrinter(out, {
      now: () => new Date(now),
      moveOn: "In the sandbox, move its clock on instead: acr-cmk --sandbox s.json sandbox advance 1h",
    });
    printer.update(view("current", "pending", "pending"));
    // One poll a second for 200 s (the sandbox's pace): check, then wait, again and again.
    for (let second = 0; second < 200; second++) {
      printer.update(view("done", "current", "pending"));
      now += 1000;
      printer.update(view("current", "done", "pending"));
    }
    printer.update(view("done", "done", "current"));
    const lines = text.trimEnd().split("\n");
    expect(lines.filter((l) => l.includes("Check the registry picked up"))).toHaveLength(2); // [..] and [ok], once each
    expect(lines.filter((l) => l.startsWith("     waiting: Wait for the registry"))).toHaveLength(1);
    expect(lines.filter((l) => l.includes("sandbox advance 1h"))).toHaveLength(1);
    const progress = lines.filter((l) => l.includes("still waiting"));
    expect(progress).toEqual([
      "     still waiting: Wait for the registry to pick up the new version, 1m 00s so far (gives up at 2030-01-01T01:00:00.000Z)",
      "     still waiting: Wait for the registry to pick up the new version, 2m 00s so far (gives up at 2030-01-01T01:00:00.000Z)",
      "     still waiting: Wait for the registry to pick up the new version, 3m 00s so far (gives up at 2030-01-01T01:00:00.000Z)",
    ]);
    expect(lines.at(-1)).toBe("[..] Verify the registry reads its content");
    expect(lines.length).toBeLessThan(12);
  });
});
