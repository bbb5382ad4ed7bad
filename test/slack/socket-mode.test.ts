// `acr-cmk slack --socket-mode`: the real Bolt app with its SocketModeReceiver dials a WebSocket on 127.0.0.1 handed
// out by the fake Web API (apps.connections.open, with the app-level token), gets Slack's `hello`, and answers a
// slash command envelope with its ack over the socket before any Azure call is answered, then posts the run's message.
import { describe, expect, it, onTestFinished } from "vitest";
import { azureGate } from "./azure-gate.js";
import { FakeSlackSocket } from "./fake-slack-socket.js";
import { ALICE, APP_TOKEN, CHANNEL, slashCommandFields, startHarness, startedRun, settle, waitFor } from "./harness.js";

describe("Socket Mode", () => {
  it("acknowledges a slash command over the socket before its Azure calls are answered, then posts the run's message", async () => {
    const socket = new FakeSlackSocket();
    await socket.start();
    // Registered before the harness's own clean-up, so it runs after it: the app leaves the socket first.
    onTestFinished(() => socket.stop());
    const gate = azureGate();
    const h = await startHarness({ incident: "key-deleted", socketUrl: socket.url, azureGate: gate });
    // The connection was opened with the app-level token, never the bot token.
    const open = h.slack.callsTo("apps.connections.open");
    expect(open.map((call) => call.authorization)).toEqual([`Bearer ${APP_TOKEN}`]);
    expect(socket.connections).toBe(1);
    expect(socket.paths[0]).toContain("ticket=test-ticket");

    const text = `recover ${h.registry.resourceGroup}/${h.registry.name}`;
    socket.send({
      envelope_id: "env-slash-1",
      type: "slash_commands",
      accepts_response_payload: true,
      payload: slashCommandFields(h.slack, ALICE, text),
    });
    // Every Azure call is held until after the ack: an ack that waited for one would never come (the bound below
    // only turns that hang into a named failure; the ack time itself is a figure for `npm run bench slack-ack`).
    const ack = await socket.ack("env-slash-1", 20_000);
    expect(ack.payload).toMatchObject({ response_type: "ephemeral", text: expect.stringContaining("diagnosing") });
    await waitFor("the run's first Azure call", () => gate.arrived.length > 0);
    gate.open();

    const run = await startedRun(h);
    expect(run.channel).toBe(CHANNEL);
    expect((await settle(h, run.runId)).status).toBe("awaiting-approval");
    expect((await h.engine.get(run.runId))?.requester).toBe(ALICE);
    // One ack per envelope: Slack would redeliver an envelope left unanswered.
    expect(socket.received.filter((message) => message.envelope_id === "env-slash-1")).toHaveLength(1);
  });
});
