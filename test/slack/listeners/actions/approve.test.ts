// Approvals in chat against the real Bolt app, the real engine and runbooks, and the sandbox as ground truth.
import { describe, expect, it } from "vitest";
import { ACTION } from "../../../../src/slack/action-ids.js";
import {
  ALICE,
  BOB,
  buttonsOn,
  latestMessage,
  movableClock,
  startedRun,
  startHarness,
  STRANGER,
  waitFor,
  type Button,
  type Harness,
} from "../../harness.js";

async function waitForButton(
  harness: Harness,
  run: { channel: string; ts: string; runId: string },
  actionId: string | RegExp,
): Promise<Button> {
  return waitFor(`a ${String(actionId)} button`, () =>
    buttonsOn(harness.slack, run.channel, run.ts).find((b) =>
      typeof actionId === "string" ? b.action_id === actionId : actionId.test(b.action_id),
    ),
  );
}

/** Waits until the run waits for a person again, then for the message to show that view. */
async function nextStop(harness: Harness, runId: string) {
  const view = await harness.engine.settled(runId);
  await harness.app.deps.messages.idle();
  return view;
}

describe("approvals in chat", () => {
  it("a key-deleted recovery started by one user and approved by another brings the registry back", async () => {
    const h = await startHarness({ incident: "key-deleted" });
    expect(h.healthy()).toBe(false);
    const ack = await h.command(ALICE, `recover ${h.registry.resourceGroup}/${h.registry.name}`);
    expect(ack.status).toBe(200);
    const run = await startedRun(h);

    let view = await nextStop(h, run.runId);
    let approvals = 0;
    while (view.status === "awaiting-approval" || view.status === "awaiting-input") {
      if (view.status === "awaiting-approval") {
        const approve = await waitForButton(h, run, ACTION.approve);
        expect(JSON.parse(approve.value).f).toBe(view.approval!.fingerprint);
        expect((await h.click(BOB, approve)).status).toBe(200);
        approvals++;
      } else {
        // "Not now" on purge protection: the recovery itself is what this test is about.
        const later = buttonsOn(h.slack, run.channel, run.ts).find((b) => JSON.parse(b.value).o === "later")!;
        expect((await h.click(BOB, later)).status).toBe(200);
      }
      await waitFor(
        "the click to take effect",
        async () =>
          (await h.engine.get(run.runId))!.status !== view.status ||
          (await h.engine.get(run.runId))!.currentStepId !== view.currentStepId,
      );
      view = await nextStop(h, run.runId);
    }
    expect(view.status, JSON.stringify(view.error ?? view.outcome)).toBe("succeeded");
    expect(approvals).toBeGreaterThan(0);
    expect(h.healthy()).toBe(true);
    expect(h.store.read().counters.purgeRequests).toBe(0);

    const approved = (await h.engine.auditTrail(run.runId)).filter(
      (e) => e.action === "approve" && e.outcome === "approved",
    );
    expect(approved).toHaveLength(approvals);
    expect(approved.every((e) => e.actor === BOB)).toBe(true);
    expect((await h.engine.verifyAudit()).ok).toBe(true);

    const final = latestMessage(h.slack, run.channel, run.ts)!;
    expect(final.text).toContain("succeeded");
    expect(buttonsOn(h.slack, run.channel, run.ts)).toHaveLength(0);
    const thread = h.slack
      .callsTo("chat.postMessage")
      .filter((c) => c.args.thread_ts === run.ts)
      .map((c) => String(c.args.text));
    expect(thread.some((text) => text.includes(`<@${BOB}> approved`))).toBe(true);
    expect(thread.some((text) => text.includes("Run ended: *succeeded*"))).toBe(true);
    // Recover checks again when its run ends, and says so in the thread.
    await waitFor("the diagnosis after the run", () =>
      h.slack
        .callsTo("chat.postMessage")
        .some(
          (c) =>
            c.args.thread_ts === run.ts &&
            String(c.args.text).includes(
              `Diagnosis after the run: ${h.registry.resourceGroup}/${h.registry.name} is healthy`,
            ),
        ),
    );
  });

  it("the requester cannot approve their own change step", async () => {
    const h = await startHarness({ incident: "key-deleted" });
    await h.command(ALICE, `recover ${h.registry.resourceGroup}/${h.registry.name}`);
    const run = await startedRun(h);
    const view = await nextStop(h, run.runId);
    expect(view.status).toBe("awaiting-approval");
    const writes = h.store.read().counters.writes;

    const approve = await waitForButton(h, run, ACTION.approve);
    expect((await h.click(ALICE, approve)).status).toBe(200);
    const answer = await waitFor("the ephemeral refusal", () =>
      h.slack.responses.find((r) => String(r.body.text).includes("You started this run")),
    );
    expect(answer.body.response_type).toBe("ephemeral");
    expect(answer.body.replace_original).toBe(false);

    expect((await h.engine.get(run.runId))!.status).toBe("awaiting-approval");
    expect(h.store.read().counters.writes).toBe(writes);
    const refused = (await h.engine.auditTrail(run.runId)).filter((e) => e.action === "approve");
    expect(refused).toEqual([expect.objectContaining({ actor: ALICE, outcome: "refused: self-approval" })]);
  });

  it("someone outside ACR_CMK_APPROVERS cannot approve", async () => {
    const h = await startHarness({ incident: "key-deleted" });
    await h.command(ALICE, `recover ${h.registry.resourceGroup}/${h.registry.name}`);
    const run = await startedRun(h);
    await nextStop(h, run.runId);
    const writes = h.store.read().counters.writes;

    const approve = await waitForButton(h, run, ACTION.approve);
    await h.click(STRANGER, approve);
    const answer = await waitFor("the ephemeral refusal", () =>
      h.slack.responses.find((r) => String(r.body.text).includes("approvers list")),
    );
    expect(answer.body.response_type).toBe("ephemeral");
    expect((await h.engine.get(run.runId))!.status).toBe("awaiting-approval");
    expect(h.store.read().counters.writes).toBe(writes);
    expect((await h.engine.auditTrail(run.runId)).filter((e) => e.action === "approve")).toEqual([
      expect.objectContaining({ actor: STRANGER, outcome: "refused: not-approver" }),
    ]);
  });

  it("a double click and a redelivered click run the change once", async () => {
    const h = await startHarness({ incident: "key-deleted" });
    await h.command(ALICE, `recover ${h.registry.resourceGroup}/${h.registry.name}`);
    const run = await startedRun(h);
    const first = await nextStop(h, run.runId);
    const step = first.approval!.stepId;
    const approve = await waitForButton(h, run, ACTION.approve);

    // Two different clicks at once, and Slack redelivering the first one (same action_ts).
    await Promise.all([
      h.click(BOB, approve, { actionTs: "1700000200.000001" }),
      h.click(BOB, approve, { actionTs: "1700000200.000002" }),
      h.click(BOB, approve, { actionTs: "1700000200.000001" }),
    ]);
    await waitFor("the change to run", async () =>
      (await h.engine.auditTrail(run.runId)).some((e) => e.action === "change-end"),
    );
    await nextStop(h, run.runId);
    await waitFor("the second click's answer", () =>
      h.slack.responses.some((r) => String(r.body.text).includes("Already approved")),
    );

    const trail = await h.engine.auditTrail(run.runId);
    expect(trail.filter((e) => e.action === "approve" && e.outcome === "approved")).toHaveLength(1);
    expect(
      trail.filter((e) => e.action === "change-start" && e.details.step === step.replace(/^approve-/, "")),
    ).toHaveLength(1);
    const writes = trail.filter((e) => e.action === "azure-write");
    expect(writes).toHaveLength(1);
  });
});

describe("rotation in chat", () => {
  it("a rotation requested by one user and approved step by step by another ends with the registry on a new key version", async () => {
    const h = await startHarness({ scenario: { keyVersion: "pinned" } });
    const keyBefore = Object.values(h.store.read().registries)[0]!.encryption.keyIdentifier;
    await h.command(ALICE, `rotate ${h.registry.resourceGroup}/${h.registry.name}`);
    const run = await startedRun(h);
    let view = await nextStop(h, run.runId);
    const approvedSteps: string[] = [];
    while (view.status === "awaiting-approval") {
      approvedSteps.push(view.approval!.stepId);
      await h.click(BOB, await waitForButton(h, run, ACTION.approve));
      const before = view;
      await waitFor(
        "the approval to take effect",
        async () => (await h.engine.get(run.runId))!.currentStepId !== before.currentStepId,
      );
      view = await nextStop(h, run.runId);
    }
    expect(view.status, JSON.stringify(view.error ?? view.outcome)).toBe("succeeded");
    expect(approvedSteps).toEqual(["create-key-version", "rotate-key", "backup-key"]);
    const keyAfter = Object.values(h.store.read().registries)[0]!.encryption.keyIdentifier;
    expect(keyAfter).not.toBe(keyBefore);
    expect(h.healthy()).toBe(true);
    expect((await h.engine.auditTrail(run.runId)).filter((e) => e.action === "approve").map((e) => e.actor)).toEqual([
      BOB,
      BOB,
      BOB,
    ]);
  });
});

describe("approval expiry", () => {
  it("an expired approval is refused, the message offers Ask again, and the run then continues", async () => {
    const clock = movableClock();
    const h = await startHarness({ incident: "key-deleted", clock });
    await h.command(ALICE, `recover ${h.registry.resourceGroup}/${h.registry.name}`);
    const run = await startedRun(h);
    await nextStop(h, run.runId);
    const approve = await waitForButton(h, run, ACTION.approve);

    clock.advance(16 * 60_000);
    await h.click(BOB, approve);
    await waitFor("the refusal", () => h.slack.responses.find((r) => String(r.body.text).includes("expired")));
    expect(
      (await h.engine.auditTrail(run.runId)).some((e) => e.action === "approve" && e.outcome === "refused: expired"),
    ).toBe(true);
    const askAgain = await waitForButton(h, run, ACTION.askAgain);
    expect(buttonsOn(h.slack, run.channel, run.ts).some((b) => b.action_id === ACTION.approve)).toBe(false);

    await h.click(STRANGER, askAgain);
    await waitFor("the stranger's refusal", () =>
      h.slack.responses.find((r) => String(r.body.text).includes("can ask again")),
    );
    await h.click(ALICE, askAgain);
    const fresh = await waitForButton(h, run, ACTION.approve);
    await h.click(BOB, fresh);
    await waitFor("the change", async () =>
      (await h.engine.auditTrail(run.runId)).some((e) => e.action === "change-end"),
    );
    expect(
      (await h.engine.auditTrail(run.runId)).filter((e) => e.action === "approve" && e.outcome === "approved"),
    ).toHaveLength(1);
  });
});
