// Fast listener tests: SlackDeps with a scripted engine and recorded run messages, and the arguments Bolt hands a
// listener (ack, body, action or view, respond, client) built by hand. No Bolt app, no HTTP, no sandbox: the full
// stack is covered by the harness tests beside these.
import type { AuditEntry, RunEngine, RunView } from "../../src/runs/types.js";
import { AckFirst } from "../../src/slack/ack-first.js";
import { encodeValue } from "../../src/slack/action-ids.js";
import { ClickDedupe, PerRunQueue } from "../../src/slack/dedupe.js";
import type { SlackDeps } from "../../src/slack/deps.js";
import { silentLog } from "../../src/slack/log.js";
import type { RunMessages } from "../../src/slack/run-messages.js";

export const NOW = new Date("2030-01-01T00:01:00Z");
export const CHANNEL = "C0INCIDENT";
export const TS = "1700000000.000100";

export interface EngineCall {
  method: string;
  args: unknown[];
}

/** Deps whose engine serves `views` and records every call; `fail` makes the named method throw. */
export function fakeDeps(
  views: RunView[],
  options: {
    approvers?: string[];
    fail?: Record<string, unknown>;
    audit?: AuditEntry[];
    diagnose?: SlackDeps["diagnose"];
  } = {},
) {
  const calls: EngineCall[] = [];
  const said: Array<{ runId: string; text: string }> = [];
  const watched: Array<{ runId: string; ref?: unknown }> = [];
  const errors: string[] = [];
  const byId = new Map(views.map((view) => [view.id, view]));
  const record =
    (method: string) =>
    async (...args: unknown[]) => {
      calls.push({ method, args });
      if (options.fail?.[method]) throw options.fail[method];
      return byId.get(String(args[0]));
    };
  const engine = {
    get: (id: string) => byId.get(id),
    list: () => views,
    auditTrail: () => options.audit ?? [],
    approve: record("approve"),
    reject: record("reject"),
    input: record("input"),
    resume: record("resume"),
    retry: record("retry"),
    abort: record("abort"),
  } as unknown as RunEngine;
  const messages = {
    watch: (runId: string, ref?: unknown) => void watched.push({ runId, ...(ref ? { ref } : {}) }),
    say: async (runId: string, text: string) => void said.push({ runId, text }),
  } as unknown as RunMessages;
  const deps: SlackDeps = {
    engine,
    diagnose: options.diagnose ?? (() => Promise.reject(new Error("not in these tests"))),
    triage: () => ({ cause: "unknown", runbook: null, evidence: "" }),
    approvers: options.approvers ?? ["UBOB000002"],
    approvalTtlMs: 15 * 60_000,
    now: () => NOW,
    messages,
    dedupe: new ClickDedupe(() => NOW),
    queue: new PerRunQueue(),
    ackFirst: new AckFirst({ quietMs: 0, maxDelayMs: 0 }),
    log: { ...silentLog, error: (fields: unknown) => void errors.push(JSON.stringify(fields)) },
  };
  return { deps, calls, said, watched, errors };
}

/** What a listener said back: ephemeral answers through the response URL, modals opened, ephemeral posts. */
export function fakeSlack(options: { viewsOpen?: () => Promise<unknown> } = {}) {
  const acks: unknown[] = [];
  const answers: string[] = [];
  const modals: unknown[] = [];
  const ephemerals: Array<{ channel: string; user: string; text: string }> = [];
  const client = {
    views: {
      open: async (request: { view: unknown }) => {
        if (options.viewsOpen) return options.viewsOpen();
        modals.push(request.view);
        return { ok: true };
      },
    },
    chat: {
      postEphemeral: async (message: { channel: string; user: string; text: string }) => void ephemerals.push(message),
    },
  };
  return {
    acks,
    answers,
    modals,
    ephemerals,
    client,
    ack: async (response?: unknown) => void acks.push(response ?? "ack"),
    respond: async (message: { text: string }) => void answers.push(message.text),
  };
}

let clicks = 0;

/** A slash command as Bolt hands it to the listener. */
export function slashCommand(slack: ReturnType<typeof fakeSlack>, user: string, text: string) {
  const command = { command: "/acr-cmk", text, user_id: user, channel_id: CHANNEL, response_url: "https://hooks" };
  return { command, ack: slack.ack, respond: slack.respond, body: command, client: slack.client } as never;
}

/** A block_actions click on the run's channel message: the arguments of a button listener. */
export function buttonClick(slack: ReturnType<typeof fakeSlack>, user: string, actionId: string, value: unknown) {
  const action = {
    type: "button",
    action_id: actionId,
    block_id: "b",
    text: { type: "plain_text", text: "x" },
    value: typeof value === "string" ? value : encodeValue(value as object),
    action_ts: `1700000001.${String(++clicks).padStart(6, "0")}`,
  };
  const body = {
    type: "block_actions",
    user: { id: user },
    container: { type: "message", channel_id: CHANNEL, message_ts: TS },
    trigger_id: "trigger-1",
    actions: [action],
  };
  return { ack: slack.ack, body, action, respond: slack.respond, client: slack.client } as never;
}

/** A view_submission of a modal: its metadata and the values of its fields. */
export function viewSubmission(
  slack: ReturnType<typeof fakeSlack>,
  user: string,
  metadata: Record<string, string>,
  values: Record<string, Record<string, { value?: string }>>,
) {
  const view = {
    id: `V${++clicks}`,
    hash: "h1",
    private_metadata: encodeValue(metadata),
    state: { values },
  };
  return { ack: slack.ack, body: { user: { id: user } }, view, client: slack.client } as never;
}
