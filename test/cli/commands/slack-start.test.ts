// Starting `acr-cmk slack`: an unreachable Slack is reported as unreachable (exit 3), never as a bad token; a token
// Slack refuses is named (exit 2); every missing or malformed variable is listed at once. Fake Slack on loopback.
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../src/cli.js";
import { Capture, tempDir } from "../../fixtures/cli-capture.js";

let home: { dir: string; cleanup(): void };
let slack: Server;
let slackUrl: string;
let closedUrl: string;

beforeAll(async () => {
  home = tempDir("acr-cmk-slack-start-");
  slack = createServer((_req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ ok: false, error: "invalid_auth" }));
  });
  await new Promise<void>((resolve) => slack.listen(0, "127.0.0.1", resolve));
  slackUrl = `http://127.0.0.1:${(slack.address() as AddressInfo).port}/api/`;
  // A port that was just free and is closed again: connecting is refused.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  closedUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/api/`;
  await new Promise((resolve) => probe.close(resolve));
  expect(await run({}, ["sandbox", "init"])).toMatchObject({ code: 0 });
});
afterAll(async () => {
  await new Promise((resolve) => slack.close(resolve));
  home.cleanup();
});

async function run(extra: Record<string, string>, argv = ["--sandbox", "slack"]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const stdin = new PassThrough();
  stdin.end();
  const env = { ACR_CMK_HOME: home.dir, NO_COLOR: "1", ...extra };
  const code = await main(argv, { env, stdout, stderr, stdin });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const settings = { SLACK_SIGNING_SECRET: "shh", SLACK_BOT_TOKEN: "xoxb-1-token", ACR_CMK_APPROVERS: "U012ABCDEF" };

describe("acr-cmk slack on start", () => {
  it("goes to Slack through HTTP_PROXY / HTTPS_PROXY when they are set", async () => {
    const seen: string[] = [];
    // A forward proxy on loopback: plain-HTTP requests in absolute form, relayed to the fake Slack.
    const proxy = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const upstream = request(req.url!, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      const result = await run({ ...settings, SLACK_API_URL: slackUrl, HTTP_PROXY: proxyUrl, HTTPS_PROXY: proxyUrl });
      expect(result.stderr).toContain("Slack refused SLACK_BOT_TOKEN (auth.test: invalid_auth)");
      expect(seen).toEqual([`POST ${slackUrl}auth.test`]);
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it("an unreachable Slack: says it could not be reached and the token was not checked, exit 3", async () => {
    const result = await run({ ...settings, SLACK_API_URL: closedUrl });
    expect(result.stderr).toContain(`Slack's Web API could not be reached at ${closedUrl}`);
    expect(result.stderr).toContain("the token was not checked");
    expect(result.stderr).toContain("HTTPS_PROXY");
    expect(result.stderr).not.toContain("refused SLACK_BOT_TOKEN");
    expect(result.code).toBe(3);
  });

  it("a token Slack refuses: names it with Slack's reason, exit 2", async () => {
    const result = await run({ ...settings, SLACK_API_URL: slackUrl });
    expect(result.stderr).toContain("Slack refused SLACK_BOT_TOKEN (auth.test: invalid_auth)");
    expect(result.code).toBe(2);
  });

  it("lists every missing or malformed variable at once, exit 2, echoing no value", async () => {
    const result = await run({ SLACK_BOT_TOKEN: "xoxp-user-secret", PORT: "70000" });
    expect(result.code).toBe(2);
    for (const name of ["SLACK_BOT_TOKEN must be a bot token", "ACR_CMK_APPROVERS", "PORT", "SLACK_SIGNING_SECRET"]) {
      expect(result.stderr).toContain(name);
    }
    expect(result.stderr).toMatch(/^error: 4 settings need fixing:/);
    expect(result.stderr).not.toContain("xoxp-user-secret");
  });
});
