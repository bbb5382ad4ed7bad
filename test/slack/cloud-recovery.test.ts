// The Slack app in cloud mode: `node bin/acr-cmk.js slack` WITHOUT --sandbox, its Azure calls through
// `sandbox serve --proxy` (client secret sign-in), its Slack calls to a fake Web API, driven by signed slash commands
// and button clicks as Slack sends them. A key-deleted recovery asked for by one person and approved by another in
// chat brings the registry back, with every approval in the audit trail.
import { spawn, type ChildProcess } from "node:child_process";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { ACTION } from "../../src/slack/action-ids.js";
import { ProxiedAzure } from "../fixtures/proxied-azure.js";
import { FakeSlack } from "./fake-slack.js";
import {
  ALICE,
  BOB,
  blockActionsPayload,
  buttonsOn,
  latestMessage,
  slashCommandFields,
  waitFor,
  type Button,
} from "./harness.js";
import { formBody, payloadBody, postSigned } from "./signed.js";

const BIN = fileURLToPath(new URL("../../bin/acr-cmk.js", import.meta.url));
const SECRET = "cloud-signing-secret-not-real";

let px: ProxiedAzure;
let slack: FakeSlack;
let app: ChildProcess | undefined;
let log = "";

beforeAll(async () => {
  px = await ProxiedAzure.start();
  slack = new FakeSlack();
  await slack.start();
});
afterAll(async () => {
  app?.kill("SIGTERM");
  await slack?.stop();
  await px?.close();
});

/** Starts `acr-cmk slack` in cloud mode; resolves with its events URL once it says it is running. */
async function startApp(home: string): Promise<string> {
  const env = {
    ...px.cloudEnv("secret", home),
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_BOT_TOKEN: "xoxb-cloud-test-token",
    SLACK_API_URL: slack.apiUrl,
    ACR_CMK_APPROVERS: BOB,
    ACR_CMK_SLACK_WATCH_MS: "100",
    PORT: "0",
    HOST: "127.0.0.1",
  };
  app = spawn(process.execPath, [BIN, "slack"], { env, stdio: ["ignore", "pipe", "pipe"] });
  app.stdout!.on("data", (chunk: Buffer) => (log += chunk.toString()));
  app.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<never>((_, reject) =>
    app!.once("exit", (code) => reject(new Error(`acr-cmk slack exited ${code} before it ran:\n${log}`))),
  );
  exited.catch(() => undefined); // a later, normal exit is not an error
  const line = await Promise.race([
    waitFor("the app to start", () => log.split("\n").find((l) => l.includes("is running")), 20_000),
    exited,
  ]);
  return `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}/slack/events`;
}

/** `acr-cmk <args>` in-process on the app's home: the local run store needs no Azure. */
async function local(home: string, args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = "";
  const out = new PassThrough().on("data", (c: Buffer) => (stdout += c.toString()));
  const stdin = new PassThrough();
  stdin.end();
  const code = await main(args, {
    env: { ACR_CMK_HOME: home, NO_COLOR: "1" },
    stdout: out,
    stderr: new PassThrough(),
    stdin,
  });
  return { code, stdout };
}

function click(url: string, user: string, button: Button): Promise<Response> {
  return postSigned(url, payloadBody(blockActionsPayload(slack, user, button)), { secret: SECRET });
}

describe("acr-cmk slack in cloud mode through the proxy", () => {
  it("recovers a deleted key with an approval in chat", async () => {
    await px.reset([], ["key-deleted"]);
    expect((await px.status()).registries[0]?.healthy).toBe(false);
    const home = px.newHome("slack");
    const url = await startApp(home);

    const ack = await postSigned(
      url,
      formBody(slashCommandFields(slack, ALICE, "recover rg-acr-cmk-demo/acrcmkdemo")),
      {
        secret: SECRET,
      },
    );
    expect(ack.status).toBe(200);
    const post = await waitFor(
      "the run's message",
      () => slack.callsTo("chat.postMessage").find((call) => !call.args.thread_ts && call.result?.ok),
      20_000,
    );
    const channel = String(post.args.channel);
    const ts = String(post.result!.ts);

    // Approve (as BOB) every change the run asks for; say "not now" to the purge protection offer.
    const answered = new Set<string>();
    let approvals = 0;
    await waitFor(
      "the recovery to end",
      () => {
        const message = latestMessage(slack, channel, ts);
        if (message && /: succeeded$/.test(message.text)) return true;
        const buttons = buttonsOn(slack, channel, ts).filter((b) => !answered.has(b.value));
        const next =
          buttons.find((b) => b.action_id === ACTION.approve) ??
          buttons.find((b) => (JSON.parse(b.value) as { o?: string }).o === "later");
        if (next) {
          answered.add(next.value);
          if (next.action_id === ACTION.approve) approvals++;
          void click(url, BOB, next).then((r) => expect(r.status).toBe(200));
        }
        return false;
      },
      30_000,
    );
    expect(approvals).toBeGreaterThan(0);
    expect((await px.status()).registries[0]).toMatchObject({ healthy: true, reason: null });
    expect(px.world().counters.purgeRequests).toBe(0);

    app!.kill("SIGTERM");
    const code = await new Promise<number | null>((resolve) => app!.on("close", (c) => resolve(c)));
    app = undefined;
    expect(code, log).toBe(0);
    expect(log).not.toContain("xoxb-cloud-test-token");
    expect(log).not.toContain(SECRET);

    // The run's audit trail, in the app's own ACR_CMK_HOME: BOB's approvals, Azure's request ids, an intact chain.
    const listed = JSON.parse((await local(home, ["runs", "list", "--output", "json"])).stdout) as {
      runs: Array<{ id: string; status: string; requester: string }>;
    };
    expect(listed.runs).toHaveLength(1);
    expect(listed.runs[0]).toMatchObject({ status: "succeeded", requester: ALICE });
    const shown = JSON.parse((await local(home, ["runs", "show", listed.runs[0]!.id, "--output", "json"])).stdout) as {
      audit: Array<{ action: string; outcome: string; actor: string; azureRequestId?: string }>;
    };
    const approved = shown.audit.filter((e) => e.action === "approve" && e.outcome === "approved");
    expect(approved).toHaveLength(approvals);
    expect(approved.every((e) => e.actor === BOB)).toBe(true);
    const writes = shown.audit.filter((e) => e.action === "azure-write");
    expect(writes.length).toBeGreaterThan(0);
    for (const write of writes) expect(write.azureRequestId).toMatch(/^[0-9a-f-]{36}$/i);
    expect((await local(home, ["audit", "verify"])).code).toBe(0);
  });
});
