// The real Bolt app over HTTP on 127.0.0.1 with the real RunEngine and runbooks over the sandbox (real SDK clients),
// a fake Slack Web API, and helpers that send signed slash commands and button clicks as Slack does.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onTestFinished } from "vitest";
import { createSandboxAzure } from "../../src/cli/sandbox-azure.js";
import { diagnoseRegistry } from "../../src/diagnosis/diagnose.js";
import { scanFleet } from "../../src/diagnosis/fleet/scan.js";
import { diagnoseContainerGroup } from "../../src/diagnosis/fleet/container-group.js";
import { createSandboxFleet } from "../../src/cli/fleet-azure.js";
import { triage } from "../../src/diagnosis/triage.js";
import { RUNBOOKS } from "../../src/machines/index.js";
import { createRunEngine } from "../../src/runs/engine.js";
import type { CmkAzure } from "../../src/azure/types.js";
import type { RunEngine, SharedRuns } from "../../src/runs/types.js";
import {
  breakWorld,
  createWorld,
  initFileStore,
  memoryStore,
  registryKeyAccess,
  sandboxStatus,
  worldNow,
  type ScenarioOptions,
  type WorldStore,
} from "../../src/sandbox/index.js";
import { createSlackApp, SLACK_EVENTS_PATH, type SlackApp } from "../../src/slack/app.js";
import type { AzureGate } from "./azure-gate.js";
import { FakeSlack } from "./fake-slack.js";
import { formBody, payloadBody, postSigned } from "./signed.js";

export const SECRET = "test-signing-secret-not-real";
export const ALICE = "UALICE0001";
export const BOB = "UBOB000002";
export const CAROL = "UCAROL0003";
export const STRANGER = "USTRANGER4";
export const CHANNEL = "CINCIDENT1";
export const APP_TOKEN = "xapp-1-A0001-test-app-token";

let counter = 0;

/** A slash command's fields as Slack sends them: a form body over HTTP, the envelope's payload in Socket Mode. */
export function slashCommandFields(slack: FakeSlack, user: string, text: string): Record<string, string> {
  const id = `cmd${++counter}`;
  return {
    token: "deprecated-verification-token",
    team_id: "T0001",
    team_domain: "acme",
    channel_id: CHANNEL,
    channel_name: "incident",
    user_id: user,
    user_name: user.toLowerCase(),
    command: "/acr-cmk",
    text,
    api_app_id: "A0001",
    is_enterprise_install: "false",
    response_url: slack.responseUrl(id),
    trigger_id: `trigger.${id}`,
  };
}

/** A button click as Slack sends it (block_actions), with a fresh trigger id and response URL. */
export function blockActionsPayload(slack: FakeSlack, user: string, button: Button, actionTs?: string): unknown {
  const id = `act${++counter}`;
  return {
    type: "block_actions",
    user: { id: user, username: user.toLowerCase(), team_id: "T0001" },
    api_app_id: "A0001",
    token: "deprecated-verification-token",
    container: { type: "message", message_ts: button.ts, channel_id: button.channel, is_ephemeral: false },
    trigger_id: `trigger.${id}`,
    team: { id: "T0001", domain: "acme" },
    channel: { id: button.channel, name: "incident" },
    message: { type: "message", ts: button.ts, text: "run" },
    response_url: slack.responseUrl(id),
    actions: [
      {
        type: "button",
        action_id: button.action_id,
        block_id: "b",
        text: { type: "plain_text", text: "x" },
        value: button.value,
        action_ts: actionTs ?? `1700000100.${String(counter).padStart(6, "0")}`,
      },
    ],
  };
}

export interface Harness {
  slack: FakeSlack;
  app: SlackApp;
  engine: RunEngine & SharedRuns;
  store: WorldStore;
  /** ACR_CMK_HOME, shared with anything a test runs beside the app (the CLI, a second engine). */
  home: string;
  /** The sandbox state file, when the world lives in one (`worldFile`), for `acr-cmk --sandbox <file>`. */
  stateFile?: string;
  azure: CmkAzure;
  approvers: readonly string[];
  url: string;
  registry: { resourceGroup: string; name: string };
  command(user: string, text: string, options?: { timestamp?: number; signWith?: string }): Promise<Response>;
  click(user: string, button: Button, options?: { actionTs?: string; timestamp?: number }): Promise<Response>;
  submit(
    user: string,
    view: Record<string, unknown>,
    values: Record<string, Record<string, { value: string }>>,
  ): Promise<Response>;
  healthy(): boolean;
  /** Stops the app and the engine as `acr-cmk slack` stops, then builds new ones on the same ACR_CMK_HOME. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface Button {
  action_id: string;
  value: string;
  /** The message the button is on. */
  channel: string;
  ts: string;
}

export interface HarnessOptions {
  incident?: string;
  scenario?: Omit<ScenarioOptions, "now">;
  approvalTtlMs?: number;
  clock?: { now(): Date };
  azureLatencyMs?: number;
  /** Every Azure call (the engine's and diagnose's) waits for this gate to open. */
  azureGate?: AzureGate;
  /** Keep the world in a state file under the home, so the CLI's `main()` can share it. */
  worldFile?: boolean;
  /** Socket Mode: apps.connections.open answers this WebSocket URL (a FakeSlackSocket); no HTTP receiver. */
  socketUrl?: string;
  runWatchIntervalMs?: number;
}

/** Starts the harness for the running test; it is closed when the test ends, passed or failed. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const home = mkdtempSync(join(tmpdir(), "acr-cmk-slack-"));
  const world = createWorld({ ...options.scenario, now: new Date("2030-01-01T00:00:00Z") });
  if (options.incident) breakWorld(world, options.incident, worldNow(world));
  const stateFile = options.worldFile ? join(home, "sandbox.json") : undefined;
  const store = stateFile ? initFileStore(stateFile, world) : memoryStore(world);
  const registryRecord = Object.values(world.registries)[0]!;
  const registry = { resourceGroup: registryRecord.resourceGroup, name: registryRecord.name };
  const sandboxAzure = createSandboxAzure({
    store,
    ...(stateFile ? { stateFile } : {}),
    ...(options.azureLatencyMs ? { latencyMs: options.azureLatencyMs } : {}),
  });
  const azure = options.azureGate ? options.azureGate.wrap(sandboxAzure) : sandboxAzure;
  const approvers = [BOB, CAROL];
  const slack = new FakeSlack();
  await slack.start();
  if (options.socketUrl) slack.socketUrl = options.socketUrl;

  const boot = async () => {
    const engine = createRunEngine({
      home,
      azure,
      runbooks: RUNBOOKS,
      approvers,
      pollIntervalMs: 20,
      ...(options.approvalTtlMs ? { approvalTtlMs: options.approvalTtlMs } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    });
    const app = createSlackApp({
      engine,
      home,
      diagnose: (ref) => diagnoseRegistry(azure, ref, { now: () => worldNow(store.read()) }),
      scan: () =>
        scanFleet(createSandboxFleet({ store }), {
          invocation: "acr-cmk --sandbox",
          now: () => worldNow(store.read()),
        }),
      diagnoseContainerGroup: (id) =>
        diagnoseContainerGroup(createSandboxFleet({ store }), id, {
          invocation: "acr-cmk --sandbox",
          now: () => worldNow(store.read()),
        }),
      triage,
      ...(options.socketUrl ? { socketMode: true, appToken: APP_TOKEN } : { signingSecret: SECRET }),
      botToken: "xoxb-test-token",
      apiUrl: slack.apiUrl,
      approvers,
      webApiRetries: 0,
      ...(options.runWatchIntervalMs ? { runWatchIntervalMs: options.runWatchIntervalMs } : {}),
      ...(options.approvalTtlMs ? { approvalTtlMs: options.approvalTtlMs } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    });
    const { port } = await app.start({ port: 0, host: "127.0.0.1" });
    return { engine, app, url: port === undefined ? "" : `http://127.0.0.1:${port}${SLACK_EVENTS_PATH}` };
  };
  let current = await boot();
  const shutdown = async () => {
    await current.app.stop();
    await current.engine.close();
  };
  // Slack signs with its own (correct) time: the app's clock, which tests may move.
  const signedAt = () => Math.floor((options.clock?.now() ?? new Date()).getTime() / 1000);

  const harness: Harness = {
    slack,
    get app() {
      return current.app;
    },
    get engine() {
      return current.engine;
    },
    store,
    home,
    ...(stateFile ? { stateFile } : {}),
    azure,
    approvers,
    get url() {
      return current.url;
    },
    registry,
    command(user, text, signing = {}) {
      const body = formBody(slashCommandFields(slack, user, text));
      return postSigned(current.url, body, { secret: SECRET, timestamp: signedAt(), ...signing });
    },
    click(user, button, clickOptions = {}) {
      const payload = blockActionsPayload(slack, user, button, clickOptions.actionTs);
      return postSigned(current.url, payloadBody(payload), {
        secret: SECRET,
        timestamp: clickOptions.timestamp ?? signedAt(),
      });
    },
    submit(user, view, values) {
      const payload = {
        type: "view_submission",
        team: { id: "T0001", domain: "acme" },
        user: { id: user, username: user.toLowerCase(), team_id: "T0001" },
        api_app_id: "A0001",
        token: "deprecated-verification-token",
        trigger_id: `trigger.${++counter}`,
        view: { ...view, id: `V${counter}`, hash: `h${counter}`, state: { values }, team_id: "T0001", app_id: "A0001" },
      };
      return postSigned(current.url, payloadBody(payload), { secret: SECRET, timestamp: signedAt() });
    },
    healthy() {
      const current = store.read();
      const record = Object.values(current.registries).find((r) => r.name === registry.name)!;
      const truth = sandboxStatus(current, worldNow(current)).registries.find((r) => r.name === registry.name)!;
      return registryKeyAccess(current, record, worldNow(current), "unwrap").ok && truth.healthy;
    },
    async restart() {
      await shutdown();
      current = await boot();
    },
    async close() {
      await shutdown();
      await slack.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
  onTestFinished(() => harness.close());
  return harness;
}

/** Polls until `check` returns a value (the app works after it acknowledges). */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The run's channel message as last posted or updated. */
export function latestMessage(
  slack: FakeSlack,
  channel: string,
  ts: string,
): { text: string; blocks: Array<Record<string, unknown>> } | undefined {
  const writes = slack.calls.filter(
    (call) =>
      (call.method === "chat.update" && call.args.ts === ts) ||
      (call.method === "chat.postMessage" && call.args.channel === channel && !call.args.thread_ts),
  );
  const last = [...writes].reverse().find((call) => call.method === "chat.update");
  return last
    ? { text: String(last.args.text), blocks: (last.args.blocks as Array<Record<string, unknown>>) ?? [] }
    : undefined;
}

/** Buttons on the run's latest message. */
export function buttonsOn(slack: FakeSlack, channel: string, ts: string): Button[] {
  const message = latestMessage(slack, channel, ts);
  if (!message) return [];
  return message.blocks
    .filter((block) => block.type === "actions")
    .flatMap((block) => block.elements as Array<{ action_id: string; value: string }>)
    .map((element) => ({ action_id: element.action_id, value: element.value, channel, ts }));
}

/** The run started by the last slash command: its id and its channel message. */
export async function startedRun(h: Harness): Promise<{ runId: string; channel: string; ts: string }> {
  const post = await waitFor("the run's message", () =>
    h.slack.callsTo("chat.postMessage").find((call) => !call.args.thread_ts && call.result?.ok),
  );
  const runId = await waitFor("the run id", async () => (await h.engine.list())[0]?.id);
  return { runId, channel: String(post.args.channel), ts: String(post.result!.ts) };
}

/** A clock tests move forward (approval expiry) while timers keep real time. */
export function movableClock(): { now(): Date; advance(ms: number): void } {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (ms) => void (offset += ms) };
}

/** Waits until the run waits for a person again (or has ended), then for its message to show that view. */
export async function settle(h: Harness, runId: string) {
  const view = await h.engine.settled(runId);
  await h.app.deps.messages.idle();
  return view;
}

/** ALICE asks for a key-deleted recovery; resolves once its first change waits for approval. */
export async function recoveryAwaitingApproval(h: Harness): Promise<{ runId: string; channel: string; ts: string }> {
  await h.command(ALICE, `recover ${h.registry.resourceGroup}/${h.registry.name}`);
  const run = await startedRun(h);
  const view = await settle(h, run.runId);
  if (view.status !== "awaiting-approval") throw new Error(`expected an approval request, the run is ${view.status}`);
  return run;
}

/** What the app said in the run's thread, in order. */
export function threadTexts(h: Harness, ts: string): string[] {
  return h.slack
    .callsTo("chat.postMessage")
    .filter((call) => call.args.thread_ts === ts)
    .map((call) => String(call.args.text));
}
