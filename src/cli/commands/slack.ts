// `acr-cmk slack`: the Slack app. Env (docs/slack.md) validated before anything starts (a missing or malformed
// variable is named, never echoed); logs are pino JSON lines with tokens and secrets redacted.
import { z } from "zod";
import { EXIT, UsageError } from "../errors.js";
import type { CommandRunner } from "../program.js";
import { invocationOf, openEngine, parseApprovers } from "../wiring.js";
import { approvalTtlMs } from "../env.js";
import { commandTiming } from "../sandbox-timing.js";

const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

/** Zod checks on secrets report which variable is wrong, never its value. */
const slackEnvSchema = z.object({
  SLACK_BOT_TOKEN: z
    .string({ error: "SLACK_BOT_TOKEN is not set (the bot token, xoxb-…, from OAuth & Permissions)" })
    .trim()
    .startsWith("xoxb-", "SLACK_BOT_TOKEN must be a bot token (xoxb-…)"),
  SLACK_SIGNING_SECRET: z.string().trim().min(1).optional(),
  SLACK_APP_TOKEN: z
    .string()
    .trim()
    .startsWith("xapp-", "SLACK_APP_TOKEN must be an app-level token (xapp-…)")
    .optional(),
  SLACK_API_URL: z.url({ protocol: /^https?$/, error: "SLACK_API_URL must be an http(s) URL" }).optional(),
  ACR_CMK_APPROVERS: z
    .string({ error: "ACR_CMK_APPROVERS is not set (comma-separated Slack user ids allowed to approve change steps)" })
    .transform(parseApprovers)
    .refine((ids) => ids.length > 0, "ACR_CMK_APPROVERS is empty: name at least one Slack user id (U…)")
    .refine(
      (ids) => ids.every((id) => SLACK_USER_ID.test(id)),
      "ACR_CMK_APPROVERS must list Slack user ids such as U012ABCDEF (not names or emails)",
    ),
  PORT: z.coerce
    .number({ error: "PORT must be a number" })
    .int("PORT must be an integer")
    .min(0, "PORT must be 0-65535")
    .max(65535, "PORT must be 0-65535")
    .default(3000),
  HOST: z.string().trim().min(1).optional(),
  ACR_CMK_APPROVAL_TTL_MS: approvalTtlMs,
  ACR_CMK_SLACK_WATCH_MS: z.coerce
    .number({ error: "ACR_CMK_SLACK_WATCH_MS must be a number of milliseconds" })
    .int("ACR_CMK_SLACK_WATCH_MS must be a whole number of milliseconds")
    .min(100, "ACR_CMK_SLACK_WATCH_MS must be at least 100")
    .max(600_000, "ACR_CMK_SLACK_WATCH_MS must be at most 600000 (10 minutes)")
    .optional(),
  ACR_CMK_TAKEOVER_MS: z.coerce
    .number({ error: "ACR_CMK_TAKEOVER_MS must be a number of milliseconds" })
    .int("ACR_CMK_TAKEOVER_MS must be a whole number of milliseconds")
    .min(100, "ACR_CMK_TAKEOVER_MS must be at least 100")
    .max(600_000, "ACR_CMK_TAKEOVER_MS must be at most 600000 (10 minutes)")
    .optional(),
});

export type SlackEnv = z.infer<typeof slackEnvSchema>;

export function parseSlackEnv(env: NodeJS.ProcessEnv, socketMode: boolean): SlackEnv {
  const parsed = slackEnvSchema.safeParse(env);
  // Every problem at once: whoever deploys the app fixes them in one go instead of one per restart.
  const problems: string[] = [];
  for (const issue of parsed.success ? [] : parsed.error.issues) {
    const name = String(issue.path[0] ?? "");
    // zod's own wording ("Invalid input") would not say which variable; ours always does.
    problems.push(issue.message.includes(name) ? issue.message : `${name}: ${issue.message}`);
  }
  if (!socketMode && !env.SLACK_SIGNING_SECRET?.trim()) {
    problems.push("SLACK_SIGNING_SECRET is not set (Basic Information → App Credentials → Signing Secret)");
  }
  if (socketMode && !env.SLACK_APP_TOKEN?.trim()) {
    problems.push("--socket-mode needs SLACK_APP_TOKEN (an app-level token, xapp-…, with connections:write)");
  }
  if (problems.length === 1) throw new UsageError(problems[0]!);
  if (problems.length > 1) {
    throw new UsageError(`${problems.length} settings need fixing:\n  ${problems.join("\n  ")}`);
  }
  return parsed.data!;
}

function waitForShutdown(): Promise<string> {
  return new Promise((resolve) => {
    const done = (signal: string) => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      resolve(signal);
    };
    const onInt = () => done("SIGINT");
    const onTerm = () => done("SIGTERM");
    process.once("SIGINT", onInt);
    process.once("SIGTERM", onTerm);
  });
}

export const slackCommand: CommandRunner = async (ctx, options) => {
  const socketMode = z.boolean().optional().parse(options.socketMode) ?? false;
  const env = parseSlackEnv(ctx.env, socketMode);
  const { pino } = await import("pino");
  const log = pino(
    {
      name: "acr-cmk-slack",
      // Belt and braces: nothing we log carries these, and if a field ever did, it is cut out here.
      redact: {
        paths: [
          "token",
          "*.token",
          "botToken",
          "appToken",
          "signingSecret",
          "authorization",
          "*.authorization",
          "response_url",
        ],
        censor: "[redacted]",
      },
    },
    ctx.stdout,
  );

  const azure = await ctx.azure();
  const engine = await openEngine(ctx, azure);
  const [{ diagnoseRegistry }, { triage }, { createSlackApp, SlackConfigError, SlackUnreachableError }] =
    await Promise.all([
      import("../../diagnosis/diagnose.js"),
      import("../../diagnosis/triage.js"),
      import("../../slack/app.js"),
    ]);
  const invocation = invocationOf(ctx);
  try {
    const slack = createSlackApp({
      engine,
      home: ctx.globals.home,
      // Timing per diagnosis: the look follows the world as it is when asked.
      diagnose: async (ref) =>
        diagnoseRegistry(azure, ref, {
          invocation,
          ...(await commandTiming(ctx)),
        }),
      // Every CMK resource the app's identity can read: a fresh fleet port per scan (as `acr-cmk scan` builds one).
      scan: async () => {
        const [{ createFleetAzureForCli }, { scanFleet }, { AdaptiveLimiter }] = await Promise.all([
          import("../fleet-azure.js"),
          import("../../diagnosis/fleet/scan.js"),
          import("../../diagnosis/fleet/limiter.js"),
        ]);
        const limiter = new AdaptiveLimiter();
        const fleet = await createFleetAzureForCli(ctx.globals, ctx.env, { gate: limiter });
        return scanFleet(fleet, { invocation, limiter, ...(await commandTiming(ctx)) });
      },
      // A scan's Recover button on a container group: its diagnosis first, as `acr-cmk recover --id` does.
      diagnoseContainerGroup: async (id) => {
        const [{ createFleetAzureForCli }, { diagnoseContainerGroup }] = await Promise.all([
          import("../fleet-azure.js"),
          import("../../diagnosis/fleet/container-group.js"),
        ]);
        const fleet = await createFleetAzureForCli(ctx.globals, ctx.env);
        return diagnoseContainerGroup(fleet, id, { invocation, ...(await commandTiming(ctx)) });
      },
      triage,
      botToken: env.SLACK_BOT_TOKEN,
      approvers: env.ACR_CMK_APPROVERS,
      socketMode,
      ...(env.SLACK_SIGNING_SECRET ? { signingSecret: env.SLACK_SIGNING_SECRET } : {}),
      ...(env.SLACK_APP_TOKEN ? { appToken: env.SLACK_APP_TOKEN } : {}),
      ...(env.SLACK_API_URL ? { apiUrl: env.SLACK_API_URL } : {}),
      ...(env.ACR_CMK_APPROVAL_TTL_MS ? { approvalTtlMs: env.ACR_CMK_APPROVAL_TTL_MS } : {}),
      ...(env.ACR_CMK_SLACK_WATCH_MS ? { runWatchIntervalMs: env.ACR_CMK_SLACK_WATCH_MS } : {}),
      ...(env.ACR_CMK_TAKEOVER_MS ? { takeoverIntervalMs: env.ACR_CMK_TAKEOVER_MS } : {}),
      logger: log,
      proxyEnv: ctx.env,
    });
    let started: { port?: number };
    try {
      started = await slack.start({ port: env.PORT, ...(env.HOST ? { host: env.HOST } : {}) });
    } catch (error) {
      if (error instanceof SlackConfigError) throw new UsageError(error.message);
      throw error;
    }
    log.info(
      socketMode
        ? { mode: "socket", approvers: env.ACR_CMK_APPROVERS.length, sandbox: Boolean(ctx.globals.sandbox) }
        : {
            mode: "http",
            port: started.port,
            path: "/slack/events",
            approvers: env.ACR_CMK_APPROVERS.length,
            sandbox: Boolean(ctx.globals.sandbox),
          },
      "acr-cmk Slack app is running",
    );
    const signal = await waitForShutdown();
    log.info({ signal }, "stopping; runs stay resumable");
    await slack.stop();
    return EXIT.ok;
  } catch (error) {
    if (error instanceof SlackConfigError) throw new UsageError(error.message);
    if (error instanceof SlackUnreachableError) {
      ctx.stderr.write(`error: ${error.message}\n`);
      return EXIT.azure;
    }
    throw error;
  } finally {
    await engine.close();
  }
};
