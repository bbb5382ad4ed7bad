// `acr-cmk slack` end to end in-process: starts on the env of docs/slack.md against a sandbox state file, answers a
// signed command, stops on SIGTERM with exit 0, and its log holds neither the token nor the signing secret.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { createSandboxAzure } from "../../../src/cli/sandbox-azure.js";
import { slackCommand } from "../../../src/cli/commands/slack.js";
import type { CliContext } from "../../../src/cli/context.js";
import { createWorld, initFileStore } from "../../../src/sandbox/index.js";
import { FakeSlack } from "../../slack/fake-slack.js";
import { formBody, postSigned } from "../../slack/signed.js";
import { waitFor } from "../../slack/harness.js";

const TOKEN = "xoxb-very-secret-bot-token";
const SIGNING = "very-secret-signing-value";

let home: string | undefined;
let slack: FakeSlack | undefined;
afterEach(async () => {
  await slack?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
  home = undefined;
});

describe("acr-cmk slack", () => {
  it("serves /slack/events, stops on SIGTERM, and never logs a secret", async () => {
    home = mkdtempSync(join(tmpdir(), "acr-cmk-slack-cli-"));
    const state = join(home, "sandbox.json");
    initFileStore(state, createWorld());
    slack = new FakeSlack();
    await slack.start();
    const stdout = new PassThrough();
    let log = "";
    stdout.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")));
    const ctx: CliContext = {
      globals: { sandbox: state, output: "text", color: false, verbose: false, home },
      env: {
        SLACK_SIGNING_SECRET: SIGNING,
        SLACK_BOT_TOKEN: TOKEN,
        SLACK_API_URL: slack.apiUrl,
        ACR_CMK_APPROVERS: "UBOB000002",
        PORT: "0",
        HOST: "127.0.0.1",
      },
      stdout,
      stderr: new PassThrough(),
      stdin: new PassThrough(),
      azure: async () => createSandboxAzure({ stateFile: state }),
    };
    const exit = slackCommand(ctx, {});
    const running = await waitFor("the start line", () => log.split("\n").find((line) => line.includes("is running")));
    const port = (JSON.parse(running) as { port: number }).port;
    const body = formBody({
      command: "/acr-cmk",
      text: "help",
      user_id: "UALICE0001",
      channel_id: "C1",
      team_id: "T1",
      response_url: slack.responseUrl("x"),
      trigger_id: "t",
    });
    const answer = await postSigned(`http://127.0.0.1:${port}/slack/events`, body, { secret: SIGNING });
    expect(answer.status).toBe(200);
    const forged = await postSigned(`http://127.0.0.1:${port}/slack/events`, body, {
      secret: SIGNING,
      signWith: "guess",
    });
    expect(forged.status).toBe(401);

    process.emit("SIGTERM");
    await expect(exit).resolves.toBe(0);
    expect(slack.callsTo("auth.test")[0]!.authorization).toBe(`Bearer ${TOKEN}`);
    expect(log).toContain("stopping; runs stay resumable");
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain(SIGNING);
  });
});
