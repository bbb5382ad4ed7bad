// `acr-cmk slack`'s environment: every missing or malformed variable is named (exit 2), and no value is echoed.
import { describe, expect, it } from "vitest";
import { parseSlackEnv } from "../../src/cli/commands/slack.js";
import { UsageError } from "../../src/cli/errors.js";

const good = {
  SLACK_SIGNING_SECRET: "shh-signing-secret",
  SLACK_BOT_TOKEN: "xoxb-1-secret-token",
  ACR_CMK_APPROVERS: "U012ABCDEF, U034GHIJKL",
};

describe("parseSlackEnv", () => {
  it("reads a complete environment with defaults", () => {
    expect(parseSlackEnv(good, false)).toMatchObject({ PORT: 3000, ACR_CMK_APPROVERS: ["U012ABCDEF", "U034GHIJKL"] });
  });

  it.each([
    [{ ...good, SLACK_BOT_TOKEN: undefined }, false, "SLACK_BOT_TOKEN"],
    [{ ...good, SLACK_BOT_TOKEN: "xoxp-user-token-secret" }, false, "SLACK_BOT_TOKEN must be a bot token"],
    [{ ...good, SLACK_SIGNING_SECRET: undefined }, false, "SLACK_SIGNING_SECRET"],
    [{ ...good }, true, "SLACK_APP_TOKEN"],
    [{ ...good, ACR_CMK_APPROVERS: undefined }, false, "ACR_CMK_APPROVERS"],
    [{ ...good, ACR_CMK_APPROVERS: " , " }, false, "ACR_CMK_APPROVERS is empty"],
    [{ ...good, ACR_CMK_APPROVERS: "alice@example.com" }, false, "ACR_CMK_APPROVERS must list Slack user ids"],
    [{ ...good, PORT: "http" }, false, "PORT"],
    [{ ...good, PORT: "70000" }, false, "PORT must be 0-65535"],
    [{ ...good, SLACK_API_URL: "ftp://x" }, false, "SLACK_API_URL"],
    [{ ...good, ACR_CMK_SLACK_WATCH_MS: "often" }, false, "ACR_CMK_SLACK_WATCH_MS must be a number"],
    [{ ...good, ACR_CMK_SLACK_WATCH_MS: "10" }, false, "ACR_CMK_SLACK_WATCH_MS must be at least 100"],
  ])("refuses %#", (env, socketMode, message) => {
    const attempt = () => parseSlackEnv(env as NodeJS.ProcessEnv, socketMode);
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(message);
    // No value of a secret in the message, whichever variable was wrong.
    expect(attempt).not.toThrow(/secret-token|user-token-secret|shh-signing/);
  });

  it("reads how often to look for runs moved by another process", () => {
    expect(parseSlackEnv({ ...good, ACR_CMK_SLACK_WATCH_MS: "500" }, false).ACR_CMK_SLACK_WATCH_MS).toBe(500);
  });

  it("takes an app token in socket mode without a signing secret", () => {
    expect(
      parseSlackEnv({ ...good, SLACK_SIGNING_SECRET: undefined, SLACK_APP_TOKEN: "xapp-1-x" }, true).SLACK_APP_TOKEN,
    ).toBe("xapp-1-x");
  });
});
