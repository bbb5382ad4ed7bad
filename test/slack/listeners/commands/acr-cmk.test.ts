// `/acr-cmk` over real HTTP: signed form bodies as Slack sends them, answers in the acknowledgement or the response URL.
import { describe, expect, it } from "vitest";
import { azureGate } from "../../azure-gate.js";
import { ALICE, CHANNEL, startedRun, startHarness, waitFor } from "../../harness.js";

describe("/acr-cmk", () => {
  // Slack's 3 s is a figure for `npm run bench slack-ack`; the test checks the property behind it, deterministically.
  it("acknowledges a recover while all its Azure calls are still held, then does the work", async () => {
    const gate = azureGate();
    const h = await startHarness({ incident: "key-deleted", azureGate: gate });
    // An acknowledgement that waited for any Azure call would never come: the gate is not opened before it.
    const response = await h.command(ALICE, `recover ${h.registry.resourceGroup}/${h.registry.name}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { text: string; response_type: string };
    expect(body.response_type).toBe("ephemeral");
    expect(body.text).toContain("diagnosing");
    // The work starts after the acknowledgement: it reaches Azure, and the run's message waits for its answers.
    await waitFor("the run's first Azure call", () => gate.arrived.length > 0);
    expect(h.slack.callsTo("chat.postMessage")).toHaveLength(0);
    gate.open();
    const run = await startedRun(h);
    expect(run.channel).toBe(CHANNEL);
  });

  it("answers an unknown subcommand with ephemeral help", async () => {
    const h = await startHarness();
    const response = await h.command(ALICE, "frobnicate now");
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      text: string;
      response_type: string;
      blocks: Array<{ text?: { text: string } }>;
    };
    expect(body.response_type).toBe("ephemeral");
    expect(body.text).toContain("Unknown subcommand `frobnicate`");
    expect(body.blocks.map((b) => b.text?.text ?? "").join("\n")).toContain(
      "/acr-cmk recover <resource-group>/<registry>",
    );
    expect(h.slack.calls.filter((c) => c.method !== "auth.test")).toHaveLength(0);
  });

  it("answers a malformed registry with ephemeral help and starts nothing", async () => {
    const h = await startHarness({ incident: "key-deleted" });
    const response = await h.command(ALICE, "recover not-a-registry");
    const body = (await response.json()) as { text: string; response_type: string };
    expect(body.response_type).toBe("ephemeral");
    expect(body.text).toContain("is not <resource-group>/<registry>");
    expect(await h.engine.list()).toHaveLength(0);
  });

  it("says so when the registry does not exist", async () => {
    const h = await startHarness();
    await h.command(ALICE, `recover ${h.registry.resourceGroup}/nosuchregistry1`);
    const answer = await waitFor("the answer", () => h.slack.responses[0]);
    expect(answer.body.response_type).toBe("ephemeral");
    expect(String(answer.body.text)).toContain("was not found");
    expect(await h.engine.list()).toHaveLength(0);
    expect(h.slack.callsTo("chat.postMessage")).toHaveLength(0);
  });

  it("posts a diagnosis in the channel through the response URL", async () => {
    const h = await startHarness({ incident: "key-deleted" });
    const ack = (await (await h.command(ALICE, `diagnose ${h.registry.resourceGroup}/${h.registry.name}`)).json()) as {
      text: string;
    };
    expect(ack.text).toContain("Diagnosing");
    const answer = await waitFor("the diagnosis", () => h.slack.responses[0]);
    expect(answer.body.response_type).toBe("in_channel");
    const text = JSON.stringify(answer.body.blocks);
    expect(text).toContain("KEY_SOFT_DELETED");
    expect(text).toContain(`/acr-cmk recover ${h.registry.resourceGroup}/${h.registry.name}`);
  });

  it("triages a pasted error in the acknowledgement, Slack's escaping undone", async () => {
    const h = await startHarness();
    const pasted = "triage (KeyNotFound) A key with (name/id) acr-cmk was not found in this key vault &amp; more";
    const body = (await (await h.command(ALICE, pasted)).json()) as { text: string; blocks: unknown[] };
    expect(body.text).toBe("acr-cmk triage: key-deleted");
    expect(JSON.stringify(body.blocks)).toContain("recover");
  });

  it("refuses to start a second run on a registry that already has one", async () => {
    const h = await startHarness({ incident: "key-deleted" });
    await h.command(ALICE, `recover ${h.registry.resourceGroup}/${h.registry.name}`);
    const run = await startedRun(h);
    await h.engine.settled(run.runId);
    await h.command(ALICE, `recover ${h.registry.resourceGroup}/${h.registry.name}`);
    const refused = await waitFor("the refusal", () =>
      h.slack.callsTo("chat.update").find((c) => String(c.args.text).includes("did not start")),
    );
    expect(String(refused.args.text)).toContain("Another run is already working on this resource");
    expect(String(refused.args.text)).toContain(`Registry ${h.registry.name} is busy`);
    expect(await h.engine.list()).toHaveLength(1);
  });

  it("tells the requester to invite the bot when it cannot post in the channel, and starts no run", async () => {
    const h = await startHarness({ incident: "key-deleted" });
    h.slack.failures.set("chat.postMessage", "not_in_channel");
    await h.command(ALICE, `recover ${h.registry.resourceGroup}/${h.registry.name}`);
    const answer = await waitFor("the answer", () => h.slack.responses[0]);
    expect(String(answer.body.text)).toContain("/invite @acr-cmk");
    expect(await h.engine.list()).toHaveLength(0);
  });

  it("lists runs and shows a run's status ephemerally, without buttons", async () => {
    const h = await startHarness({ incident: "key-deleted" });
    await h.command(ALICE, `recover ${h.registry.resourceGroup}/${h.registry.name}`);
    const run = await startedRun(h);
    await h.engine.settled(run.runId);
    // Acknowledged at once; the store's answer follows through the response URL.
    const answer = async (text: string) => {
      const since = h.slack.responses.length;
      await h.command(ALICE, text);
      return (await waitFor(`the answer to ${text}`, () => h.slack.responses[since])).body;
    };
    const runs = await answer("runs");
    expect(runs.response_type).toBe("ephemeral");
    expect(JSON.stringify(runs.blocks)).toContain(run.runId);
    const status = await answer(`status ${run.runId}`);
    expect(status.response_type).toBe("ephemeral");
    expect(String(status.text)).toContain("waiting for approval");
    expect((status.blocks as Array<{ type: string }>).some((b) => b.type === "actions")).toBe(false);
    const unknown = await answer("status nosuchrun");
    expect(String(unknown.text)).toContain("No run with id");
  });
});
