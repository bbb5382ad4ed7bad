// `/acr-cmk abort <run-id> <reason>`: the same rules as the Abort button, answered through the response URL.
import { describe, expect, it } from "vitest";
import {
  ALICE,
  BOB,
  latestMessage,
  recoveryAwaitingApproval,
  startHarness,
  STRANGER,
  threadTexts,
  waitFor,
  type Harness,
} from "../../harness.js";

async function answerTo(harness: Harness, user: string, text: string): Promise<string> {
  const before = harness.slack.responses.length;
  const ack = (await (await harness.command(user, text)).json()) as { response_type: string; text: string };
  expect(ack.response_type).toBe("ephemeral");
  const answer = await waitFor("the answer", () => harness.slack.responses.slice(before)[0]);
  expect(answer.body.response_type).toBe("ephemeral");
  return String(answer.body.text);
}

describe("/acr-cmk abort", () => {
  it("the requester aborts a run waiting for approval: audited with the reason, message and thread updated", async () => {
    const h = await startHarness({ incident: "key-deleted" });
    const run = await recoveryAwaitingApproval(h);
    const answer = await answerTo(h, ALICE, `abort ${run.runId} wrong registry, <paged> the owner &amp; stopped`);
    expect(answer).toContain("aborted");
    expect((await h.engine.get(run.runId))!.status).toBe("aborted");
    expect((await h.engine.auditTrail(run.runId)).filter((e) => e.action === "abort")).toEqual([
      expect.objectContaining({
        actor: ALICE,
        details: expect.objectContaining({ reason: "wrong registry, <paged> the owner & stopped" }),
      }),
    ]);
    await waitFor("the message", () => latestMessage(h.slack, run.channel, run.ts)?.text.includes("aborted"));
    await waitFor("the thread", () => threadTexts(h, run.ts).find((t) => t.includes(`<@${ALICE}> aborted the run`)));
  });

  it("a stranger is refused and the run goes on waiting", async () => {
    const h = await startHarness({ incident: "key-deleted" });
    const run = await recoveryAwaitingApproval(h);
    expect(await answerTo(h, STRANGER, `abort ${run.runId} not mine to stop`)).toContain("can abort it");
    expect((await h.engine.get(run.runId))!.status).toBe("awaiting-approval");
    expect((await h.engine.auditTrail(run.runId)).some((e) => e.action === "abort")).toBe(false);
  });

  it("a run that has ended cannot be aborted, and an unknown run is named", async () => {
    const h = await startHarness({ incident: "key-deleted" });
    const run = await recoveryAwaitingApproval(h);
    await answerTo(h, BOB, `abort ${run.runId} first abort`);
    expect(await answerTo(h, BOB, `abort ${run.runId} second abort`)).toContain("not waiting for anyone");
    expect((await h.engine.auditTrail(run.runId)).filter((e) => e.action === "abort")).toHaveLength(1);
    expect(await answerTo(h, BOB, "abort nosuchrun because")).toContain("No run with id");
  });

  it("answers a missing reason with ephemeral help in the acknowledgement", async () => {
    const h = await startHarness();
    const body = (await (await h.command(ALICE, "abort 20300101-000000-abcdef")).json()) as {
      response_type: string;
      text: string;
    };
    expect(body.response_type).toBe("ephemeral");
    expect(body.text).toContain("`abort` needs a run id and a reason");
    expect(h.slack.responses).toHaveLength(0);
  });
});
