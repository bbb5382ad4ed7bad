// `/acr-cmk scan`: the fleet's health in one in-channel message, a Recover button per unhealthy registry that starts
// the recovery as `/acr-cmk recover` would, one per container group whose fix is its key's that starts the group's
// run (approved by another person, as a registry's), the redeploy hint where only redeploying helps, and forged
// button values refused.
import { describe, expect, it } from "vitest";
import { ACTION } from "../../../../src/slack/action-ids.js";
import { registryForKey } from "../../../../src/cli/commands/sandbox-fleet.js";
import { breakWorld, sandboxStatus, worldNow } from "../../../../src/sandbox/index.js";
import {
  ALICE,
  BOB,
  buttonsOn,
  CHANNEL,
  latestMessage,
  settle,
  startedRun,
  startHarness,
  threadTexts,
  waitFor,
  type Harness,
} from "../../harness.js";

interface Block {
  type: string;
  text?: { text: string };
  accessory?: { action_id: string; value: string };
}

const GUID = "00000000-0000-0000-0000-000000000000";

describe("/acr-cmk scan", () => {
  it("posts the unhealthy resources of a shared broken key, each registry with a Recover button that starts its run", async () => {
    const h = await startHarness({ incident: "key-deleted", scenario: { registries: 4, containerGroups: 2, keys: 2 } });
    const ack = (await (await h.command(ALICE, "scan")).json()) as { text: string; response_type: string };
    expect(ack.response_type).toBe("ephemeral");
    expect(ack.text).toContain("Scanning");
    const answer = await waitFor("the scan", () => h.slack.responses[0]);
    expect(answer.body.response_type).toBe("in_channel");
    const blocks = answer.body.blocks as Block[];
    expect(blocks[0]?.text?.text).toMatch(/6 CMK resources, 3 unhealthy, 2 keys/);
    const buttons = blocks.filter((b) => b.accessory?.action_id === ACTION.recoverRegistry);
    expect(buttons).toHaveLength(2); // two registries on the broken key
    const groupLines = blocks.filter((b) => /\(container group\)/.test(b.text?.text ?? ""));
    expect(groupLines).toHaveLength(1);
    expect(groupLines[0]!.text!.text).toMatch(/key's fix: runbook `key-deleted` on this group/);
    expect(groupLines[0]!.accessory?.action_id).toBe(ACTION.recoverContainerGroup);

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

  it("a container group's Recover button starts key-deleted on the group; another person's approvals bring it back", async () => {
    const h = await startHarness({ incident: "key-deleted", scenario: { registries: 2, containerGroups: 2, keys: 2 } });
    const status = sandboxStatus(h.store.read(), worldNow(h.store.read()));
    const broken = status.containerGroups!.find((g) => !g.healthy)!.name;
    const button = await groupButton(h, broken);
    expect(JSON.parse(button.value)).toMatchObject({ g: "rg-acr-cmk-fleet", n: broken });

    await h.click(ALICE, {
      action_id: button.action_id,
      value: button.value,
      channel: CHANNEL,
      ts: "1700000000.000300",
    });
    const run = await startedRun(h);
    const started = (await h.engine.get(run.runId))!;
    expect(started.runbook).toBe("key-deleted");
    expect(started.target).toMatchObject({ resourceGroup: "rg-acr-cmk-fleet", containerGroup: broken });
    await waitFor("the run's message", () =>
      (latestMessage(h.slack, run.channel, run.ts)?.text ?? "").includes(`key-deleted on rg-acr-cmk-fleet/${broken}`),
    );

    let view = await settle(h, run.runId);
    let approvals = 0;
    while (view.status === "awaiting-approval" || view.status === "awaiting-input") {
      const buttons = await waitFor("the run's buttons", () => {
        const on = buttonsOn(h.slack, run.channel, run.ts);
        return on.length > 0 && on;
      });
      // Approve every change (by BOB, not the requester); "not now" to the purge-protection offer.
      const next =
        view.status === "awaiting-approval"
          ? buttons.find((b) => b.action_id === ACTION.approve)!
          : buttons.find((b) => JSON.parse(b.value).o === "later")!;
      if (view.status === "awaiting-approval") approvals++;
      await h.click(BOB, next);
      const before = view;
      await waitFor(
        "the click to take effect",
        async () => {
          const now = (await h.engine.get(run.runId))!;
          return now.status !== before.status || now.currentStepId !== before.currentStepId;
        },
      );
      view = await settle(h, run.runId);
    }
    expect(view.status, JSON.stringify(view.error ?? view.outcome)).toBe("succeeded");
    expect(approvals).toBeGreaterThan(0);
    const after = sandboxStatus(h.store.read(), worldNow(h.store.read()));
    expect(after.containerGroups!.find((g) => g.name === broken)!.healthy).toBe(true);
    expect(h.store.read().counters.purgeRequests).toBe(0);
    const approved = (await h.engine.auditTrail(run.runId)).filter((e) => e.action === "approve" && e.outcome === "approved");
    expect(approved.every((e) => e.actor === BOB)).toBe(true);
    expect(threadTexts(h, run.ts).some((text) => text.includes("Run ended: *succeeded*"))).toBe(true);
  });

  it("a container group that must be redeployed gets the redeploy hint and no button; a stale button gets the shape", async () => {
    const h = await startHarness({ scenario: { registries: 2, containerGroups: 2, keys: 2 } });
    // A vault firewall that keeps trusted services out of group 1's key: a container group can only be redeployed then.
    const world = h.store.read();
    const group = Object.values(world.containerGroups ?? {})[0]!;
    const vault = /^https:\/\/([^.]+)\./.exec(group.encryptionProperties.vaultBaseUrl)![1]!;
    h.store.update((w, now) => {
      const key = `${vault}/${group.encryptionProperties.keyName}`;
      breakWorld(w, "firewall-403", now, registryForKey(w, key, "firewall-403"));
    });

    await h.command(ALICE, "scan");
    const answer = await waitFor("the scan", () => h.slack.responses[0]);
    const blocks = answer.body.blocks as Block[];
    const line = blocks.find((b) =>
      (b.text?.text ?? "").includes(`*rg-acr-cmk-fleet/${group.name}* (container group)`),
    )!;
    expect(line.text!.text).toContain("must be redeployed with a usable key");
    expect(line.text!.text).toContain(`acr-cmk diagnose --id ${group.id}`);
    expect(line.accessory).toBeUndefined();

    // A button from an older scan (the key was usable then): the click diagnoses again and gives the shape instead.
    await h.click(ALICE, {
      action_id: ACTION.recoverContainerGroup,
      value: JSON.stringify({ g: group.resourceGroup, n: group.name, s: world.subscriptionId }),
      channel: CHANNEL,
      ts: "1700000000.000400",
    });
    const shape = await waitFor("the redeploy shape", () =>
      h.slack.responses.find((r) => String(r.body.text).includes("must be redeployed")),
    );
    expect(shape.body.response_type).toBe("in_channel");
    const text = JSON.stringify(shape.body.blocks);
    expect(text).toContain(`az container create --resource-group ${group.resourceGroup} --file ${group.name}.yaml`);
    expect(text).toContain("encryptionProperties");
    expect(text).toContain("FIREWALL_BLOCKS_REGISTRY");
    expect(await h.engine.list()).toHaveLength(0);
  });

  it.each([
    ["registry", ACTION.recoverRegistry, { g: "rg; rm -rf", n: "x", s: "nope" }],
    ["container group", ACTION.recoverContainerGroup, { g: "rg-acr-cmk-fleet", n: "-bad name-", s: GUID }],
  ])("refuses a forged %s Recover value and starts nothing", async (_kind, actionId, value) => {
    const h = await startHarness({ scenario: { registries: 2, containerGroups: 1, keys: 1 } });
    await h.click(ALICE, {
      action_id: actionId,
      value: JSON.stringify(value),
      channel: CHANNEL,
      ts: "1700000000.000200",
    });
    const refusal = await waitFor("the refusal", () => h.slack.responses[0]);
    expect(JSON.stringify(refusal.body)).toContain("not one acr-cmk can act on");
    expect(await h.engine.list()).toHaveLength(0);
  });
});

/** ALICE scans; the Recover button on container group `name`. */
async function groupButton(h: Harness, name: string): Promise<{ action_id: string; value: string }> {
  await h.command(ALICE, "scan");
  const answer = await waitFor("the scan", () => h.slack.responses[0]);
  const blocks = answer.body.blocks as Block[];
  const line = blocks.find((b) => (b.text?.text ?? "").includes(`/${name}* (container group)`));
  expect(line?.accessory?.action_id).toBe(ACTION.recoverContainerGroup);
  return line!.accessory!;
}
