// `/acr-cmk` with fake arguments: what fits in the acknowledgement is answered there (help, a usage error, triage);
// Azure work and the store's reads (runs, status) are acknowledged first and answered through the response URL.
import { describe, expect, it } from "vitest";
import { AzureFailure } from "../../../../src/azure/types.js";
import type { RunView } from "../../../../src/runs/types.js";
import { acrCmkCommand } from "../../../../src/slack/listeners/commands/acr-cmk.js";
import { REPORT_KEY_DELETED, RUN_AWAITING_APPROVAL as run } from "../../../fixtures/slack-views.js";
import { until } from "../../../fixtures/until.js";
import { fakeDeps, fakeSlack, slashCommand } from "../../fake-deps.js";

const ALICE = "UALICE0001";

describe("/acr-cmk", () => {
  it("answers help and a usage error in the acknowledgement, ephemeral", async () => {
    const { deps } = fakeDeps([]);
    const slack = fakeSlack();
    await acrCmkCommand(deps)(slashCommand(slack, ALICE, "help"));
    await acrCmkCommand(deps)(slashCommand(slack, ALICE, "recovr rg/acr"));
    const [help, usage] = slack.acks as Array<{ response_type: string; text: string; blocks: unknown[] }>;
    expect(help?.response_type).toBe("ephemeral");
    expect(help?.blocks.length).toBeGreaterThan(0);
    expect(usage?.response_type).toBe("ephemeral");
    expect(JSON.stringify(usage)).toContain("recovr");
    expect(slack.answers).toEqual([]);
  });

  it("triage is pure: answered in the acknowledgement from the deps' triage", async () => {
    const { deps } = fakeDeps([]);
    deps.triage = (text) => ({ cause: "key-deleted", runbook: "key-deleted", evidence: text.slice(0, 11) });
    const slack = fakeSlack();
    await acrCmkCommand(deps)(slashCommand(slack, ALICE, "triage KeyNotFound: A key with (name/id) x was not found"));
    expect(JSON.stringify(slack.acks[0])).toContain("key-deleted");
  });

  it("diagnose acknowledges at once, then posts the report in the channel", async () => {
    const asked: unknown[] = [];
    const { deps } = fakeDeps([], { diagnose: async (ref) => (asked.push(ref), REPORT_KEY_DELETED) });
    const slack = fakeSlack();
    await acrCmkCommand(deps)(slashCommand(slack, ALICE, "diagnose rg-prod/acrprod01"));
    expect(slack.acks).toEqual([{ response_type: "ephemeral", text: ":mag: Diagnosing `rg-prod/acrprod01`…" }]);
    expect(asked).toEqual([{ resourceGroup: "rg-prod", name: "acrprod01" }]);
    expect(slack.answers).toEqual(["rg-prod/acrprod01: KEY_SOFT_DELETED, PURGE_PROTECTION_OFF"]);
  });

  it("a registry id of another subscription is refused with both subscriptions named, nothing posted in channel", async () => {
    const { deps } = fakeDeps([], { diagnose: async () => REPORT_KEY_DELETED });
    const responses: unknown[] = [];
    const slack = fakeSlack();
    const command = slashCommand(
      slack,
      ALICE,
      "diagnose /subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-prod/providers/Microsoft.ContainerRegistry/registries/acrprod01",
    );
    (command as { respond: (m: unknown) => Promise<void> }).respond = async (message) => void responses.push(message);
    await acrCmkCommand(deps)(command);
    expect(responses).toEqual([
      {
        response_type: "ephemeral",
        text: ":warning: The resource id names subscription 11111111-2222-3333-4444-555555555555, but acr-cmk works in sub.",
      },
    ]);
  });

  it("runs is acknowledged before the store answers, and a store that fails is said in the answer", async () => {
    const { deps } = fakeDeps([run]);
    let answer!: (views: RunView[]) => void;
    deps.engine.list = () => new Promise<RunView[]>((resolve) => (answer = resolve));
    const slack = fakeSlack();
    const handled = acrCmkCommand(deps)(slashCommand(slack, ALICE, "runs"));
    // Slack gives three seconds: the acknowledgement is out while the store has not answered yet.
    await until("the acknowledgement", () => slack.acks.length > 0);
    expect(slack.acks).toEqual(["ack"]);
    expect(slack.answers).toEqual([]);
    answer([run]);
    await handled;
    expect(slack.answers).toHaveLength(1);

    deps.engine.list = () =>
      Promise.reject(
        new AzureFailure("the shared store acct1 (ACR_CMK_STORE) could not be reached (ECONNREFUSED).", "network"),
      );
    await acrCmkCommand(deps)(slashCommand(slack, ALICE, "runs"));
    expect(slack.answers[1]).toContain(":warning: Could not read the runs: the shared store acct1");
  });

  it("abort names an unknown run and aborts nothing", async () => {
    const { deps, calls } = fakeDeps([run]);
    const slack = fakeSlack();
    await acrCmkCommand(deps)(slashCommand(slack, ALICE, "abort 20300101-000000-nope00 drill over"));
    expect(slack.answers).toEqual(["No run with id `20300101-000000-nope00`."]);
    expect(calls).toEqual([]);
  });
});
