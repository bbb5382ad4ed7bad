// `/acr-cmk scan`: the fleet's health in one in-channel message, a Recover button per unhealthy registry that starts
// the recovery as `/acr-cmk recover` would, and forged button values refused.
import { afterEach, describe, expect, it } from "vitest";
import { ACTION } from "../../../../src/slack/action-ids.js";
import { ALICE, CHANNEL, startedRun, startHarness, waitFor, type Harness } from "../../harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

interface Block {
  type: string;
  text?: { text: string };
  accessory?: { action_id: string; value: string };
}

describe("/acr-cmk scan", () => {
  it("posts the unhealthy resources of a shared broken key, each registry with a Recover button that starts its run", async () => {
    h = await startHarness({ incident: "key-deleted", scenario: { registries: 4, containerGroups: 2, keys: 2 } });
    const ack = (await (await h.command(ALICE, "scan")).json()) as { text: string; response_type: string };
    expect(ack.response_type).toBe("ephemeral");
    expect(ack.text).toContain("Scanning");
    const answer = await waitFor("the scan", () => h!.slack.responses[0]);
    expect(answer.body.response_type).toBe("in_channel");
    const blocks = answer.body.blocks as Block[];
    expect(blocks[0]?.text?.text).toMatch(/6 CMK resources, 3 unhealthy, 2 keys/);
    const buttons = blocks.filter((b) => b.accessory?.action_id === ACTION.recoverRegistry);
    expect(buttons).toHaveLength(2); // two registries on the broken key; its container group has no button
    expect(blocks.some((b) => /container group.*key's fix/.test(b.text?.text ?? ""))).toBe(true);

    const button = buttons[0]!.accessory!;
    await h.click(ALICE, {
      action_id: button.action_id,
      value: button.value,
      channel: CHANNEL,
      ts: "1700000000.000100",
    });
    const run = await startedRun(h);
    expect(run.channel).toBe(CHANNEL);
    expect((await h.engine.get(run.runId))?.runbook).toBe("key-deleted");
  });

  it("refuses a forged Recover value and starts nothing", async () => {
    h = await startHarness({ scenario: { registries: 2, keys: 1 } });
    await h.click(ALICE, {
      action_id: ACTION.recoverRegistry,
      value: JSON.stringify({ g: "rg; rm -rf", n: "x", s: "nope" }),
      channel: CHANNEL,
      ts: "1700000000.000200",
    });
    const refusal = await waitFor("the refusal", () => h!.slack.responses[0]);
    expect(JSON.stringify(refusal.body)).toContain("not one acr-cmk can act on");
    expect(await h.engine.list()).toHaveLength(0);
  });
});
