// A run started in Slack and then moved by another process (`acr-cmk runs abort` on a host, a second engine on the
// same ACR_CMK_HOME) keeps its Slack message true: the app notices the stored change and updates the message.
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { RUNBOOKS } from "../../src/machines/index.js";
import { createRunEngine } from "../../src/runs/engine.js";
import type { RunEngine } from "../../src/runs/types.js";
import { ACTION, approvalValue, decodeValue } from "../../src/slack/action-ids.js";
import {
  BOB,
  buttonsOn,
  latestMessage,
  recoveryAwaitingApproval,
  startHarness,
  waitFor,
  type Harness,
} from "./harness.js";

let other: RunEngine | undefined;
afterEach(async () => {
  await other?.close();
  other = undefined;
});

/** `acr-cmk --sandbox <state file> <args…>` on the harness's home, as an on-call engineer on the host types it. */
async function cli(harness: Harness, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: "", stderr: "" };
  const stdout = new PassThrough().on("data", (chunk: Buffer) => (out.stdout += chunk.toString()));
  const stderr = new PassThrough().on("data", (chunk: Buffer) => (out.stderr += chunk.toString()));
  const stdin = new PassThrough();
  stdin.end();
  const code = await main(["--sandbox", harness.stateFile!, ...args], {
    env: { ACR_CMK_HOME: harness.home, ACR_CMK_APPROVERS: harness.approvers.join(","), USER: "oncall" },
    stdout,
    stderr,
    stdin,
  });
  return { code, ...out };
}

function updatesOf(harness: Harness, ts: string): number {
  return harness.slack.callsTo("chat.update").filter((call) => call.args.ts === ts).length;
}

describe("runs moved by another process", () => {
  it("`acr-cmk runs abort` on a run the Slack app holds turns its message into the aborted run, and a late Approve is refused", async () => {
    const h = await startHarness({ incident: "key-deleted", worldFile: true, runWatchIntervalMs: 50 });
    const run = await recoveryAwaitingApproval(h);
    const approve = buttonsOn(h.slack, run.channel, run.ts).find((b) => b.action_id === ACTION.approve)!;
    const updatesBefore = updatesOf(h, run.ts);

    const aborted = await cli(h, ["runs", "abort", run.runId, "--reason", "fixed by hand"]);
    expect(aborted.code, aborted.stderr).toBe(0);
    const message = await waitFor("the message to show the abort", () => {
      const latest = latestMessage(h.slack, run.channel, run.ts);
      return latest?.text.includes("aborted") ? latest : undefined;
    });
    expect(updatesOf(h, run.ts)).toBeGreaterThan(updatesBefore);
    expect(message.blocks.some((block) => block.type === "actions")).toBe(false);
    expect((await h.engine.get(run.runId))?.status).toBe("aborted");

    await h.click(BOB, approve);
    await waitFor("the refusal", () => h.slack.responses.find((r) => String(r.body.text).includes("has ended")));
    const trail = await h.engine.auditTrail(run.runId);
    expect(trail.filter((entry) => entry.action === "approve")).toEqual([]);
    expect(trail.find((entry) => entry.action === "abort")?.details).toMatchObject({ reason: "fixed by hand" });
    expect((await h.engine.verifyAudit()).ok).toBe(true);
  });

  it("a change approved through a second engine shows on the message, and a late click on the old Approve runs nothing twice", async () => {
    const h = await startHarness({ incident: "key-deleted", runWatchIntervalMs: 50 });
    const run = await recoveryAwaitingApproval(h);
    const approve = buttonsOn(h.slack, run.channel, run.ts).find((b) => b.action_id === ACTION.approve)!;
    const { s: step, f: fingerprint } = decodeValue(approvalValue, approve.value)!;

    other = createRunEngine({ home: h.home, azure: h.azure, runbooks: RUNBOOKS, approvers: h.approvers });
    await other.approve(run.runId, BOB, { fingerprint });
    const ended = await other.settled(run.runId);
    expect(ended.status).toBe("succeeded");
    expect(h.healthy()).toBe(true);

    // The message follows without anyone touching Slack.
    const message = await waitFor("the message to show the recovery", () => {
      const latest = latestMessage(h.slack, run.channel, run.ts);
      return latest?.text.includes("succeeded") ? latest : undefined;
    });
    const title = ended.steps.find((s) => s.id === step)!.title;
    expect(JSON.stringify(message.blocks)).toContain(`:white_check_mark: ${title}`);
    expect(message.blocks.some((block) => block.type === "actions")).toBe(false);

    await h.click(BOB, approve);
    await waitFor("the answer", () => h.slack.responses.find((r) => String(r.body.text).includes("Already approved")));
    const trail = await h.engine.auditTrail(run.runId);
    expect(trail.filter((e) => e.action === "approve" && e.outcome === "approved").map((e) => e.actor)).toEqual([BOB]);
    expect(trail.filter((e) => e.action === "change-start")).toHaveLength(1);
    expect(trail.find((e) => e.action === "lock-handover")).toBeDefined();
  });
});
