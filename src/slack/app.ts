// Builds the Bolt app: HTTP on /slack/events (Bolt's own signature verification on, plus the clock-skew check in front
// of it) or Socket Mode; the Web API client pointed at SLACK_API_URL when given; the listeners wired to the RunEngine.
import type { Server } from "node:http";
import type { AddressInfo, ListenOptions } from "node:net";
import { App, HTTPReceiver, SocketModeReceiver } from "@slack/bolt";
import type { RegistryRef } from "../azure/types.js";
import type { DiagnosisReport } from "../diagnosis/diagnose.js";
import type { ContainerGroupDiagnosis } from "../diagnosis/fleet/container-group.js";
import type { ScanReport } from "../diagnosis/fleet/scan.js";
import type { TriageResult } from "../diagnosis/types.js";
import type { RunEngine, SharedRuns } from "../runs/types.js";
import { AckFirst } from "./ack-first.js";
import { ClickDedupe, PerRunQueue } from "./dedupe.js";
import type { SlackDeps } from "./deps.js";
import { registerListeners } from "./listeners/index.js";
import { boltLogger, silentLog, type SlackLog } from "./log.js";
import { MessageLinks } from "./message-links.js";
import { proxiedFetch } from "./proxy.js";
import { RunMessages } from "./run-messages.js";
import { RunWatcher } from "./run-watcher.js";
import { guardTimestamps } from "./signature.js";
import { healthRoutes } from "./health.js";
import { RunTakeover } from "./run-takeover.js";

export const SLACK_EVENTS_PATH = "/slack/events";
export const DEFAULT_APPROVAL_TTL_MS = 15 * 60_000;

export interface SlackAppOptions {
  /** Shared: the CLI or a second app may move the same runs; the app follows them (run-watcher.ts). */
  engine: RunEngine & SharedRuns;
  /** ACR_CMK_HOME: the app keeps which message shows which run here (slack.sqlite), to re-attach after a restart. */
  home: string;
  diagnose: (ref: RegistryRef) => Promise<DiagnosisReport>;
  /** `/acr-cmk scan` (every CMK resource at once); without it the subcommand says it is not available. */
  scan?: () => Promise<ScanReport>;
  /** A container group's diagnosis by id: the scan's Recover button on a group; without it the button says so. */
  diagnoseContainerGroup?: (id: string) => Promise<ContainerGroupDiagnosis>;
  triage: (text: string) => TriageResult;
  /** Required for HTTP; unused in Socket Mode. */
  signingSecret?: string;
  botToken: string;
  /** Web API base URL (SLACK_API_URL), e.g. a proxy or a test fake; Slack's by default. */
  apiUrl?: string;
  /** Slack user ids allowed to approve change steps; the engine must be built with the same list. */
  approvers: readonly string[];
  /** The engine's approval TTL, for the help text (default 15 minutes). */
  approvalTtlMs?: number;
  socketMode?: boolean;
  appToken?: string;
  clock?: { now(): Date };
  logger?: SlackLog;
  /** Web API retries; tests pass 0 so a mistake fails fast. */
  webApiRetries?: number;
  /** Where HTTPS_PROXY / HTTP_PROXY / NO_PROXY are read for Slack's Web API (default: none, a direct connection). */
  proxyEnv?: NodeJS.ProcessEnv;
  /** How often to look for runs another process moved (default 2 s). */
  runWatchIntervalMs?: number;
  /** How often to look for working runs whose replica stopped driving them (default 15 s). */
  takeoverIntervalMs?: number;
}

export interface SlackApp {
  app: App;
  receiver: HTTPReceiver | SocketModeReceiver;
  deps: SlackDeps;
  /** Checks the bot token (auth.test), then listens (HTTP) or connects (Socket Mode). */
  start(listen?: ListenOptions): Promise<{ port?: number }>;
  stop(): Promise<void>;
}

export class SlackConfigError extends Error {
  override readonly name = "SlackConfigError";
}

/** Slack's Web API could not be reached at all (network, DNS, proxy, TLS): nothing is known about the token yet. */
export class SlackUnreachableError extends Error {
  override readonly name = "SlackUnreachableError";
}

// @slack/web-api's error codes (https://docs.slack.dev/tools/node-slack-sdk/web-api/#handle-errors): only a platform
// error is Slack's answer about the token; a request error never reached Slack, an HTTP error is not about the token.
function startFailure(error: unknown, apiUrl: string | undefined): Error {
  const { code, data, original } = error as { code?: string; data?: { error?: string }; original?: Error };
  const where = apiUrl ?? "https://slack.com/api/";
  if (code === "slack_webapi_platform_error") {
    return new SlackConfigError(`Slack refused SLACK_BOT_TOKEN (auth.test: ${data?.error ?? "unknown"})`);
  }
  const cause = original?.message ?? (error instanceof Error ? error.message : String(error));
  return new SlackUnreachableError(
    `Slack's Web API could not be reached at ${where} (${cause}); the token was not ` +
      "checked. Check the network, HTTPS_PROXY (and NO_PROXY) and SLACK_API_URL, then start again.",
  );
}

function apiBase(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

export function createSlackApp(options: SlackAppOptions): SlackApp {
  if (options.approvers.length === 0) {
    throw new SlackConfigError("ACR_CMK_APPROVERS is empty: nobody could approve a change step from Slack");
  }
  const log = options.logger ?? silentLog;
  const now = () => (options.clock ?? { now: () => new Date() }).now();
  const logger = boltLogger(log);

  const retries = options.webApiRetries ?? 3;
  const proxied = options.proxyEnv ? proxiedFetch(options.proxyEnv) : undefined;
  const clientOptions = {
    ...(options.apiUrl ? { slackApiUrl: apiBase(options.apiUrl) } : {}),
    retryConfig: { retries, factor: 2, minTimeout: 500, maxTimeout: 5000 },
    ...(proxied ? { fetch: proxied } : {}),
  };

  let stopping = false;
  let receiver: SlackApp["receiver"];
  if (options.socketMode) {
    if (!options.appToken) throw new SlackConfigError("Socket Mode needs SLACK_APP_TOKEN");
    // The socket client calls apps.connections.open with its own Web API client: same base URL and retries.
    receiver = new SocketModeReceiver({
      appToken: options.appToken,
      logger,
      installerOptions: { clientOptions: { ...clientOptions } },
    });
  } else {
    if (!options.signingSecret) throw new SlackConfigError("HTTP mode needs SLACK_SIGNING_SECRET");
    const http = new HTTPReceiver({
      signingSecret: options.signingSecret,
      endpoints: SLACK_EVENTS_PATH,
      logger,
      // Ack first, work after: the HTTP answer goes out as soon as a listener calls ack().
      processBeforeResponse: false,
      signatureVerification: true,
      customRoutes: healthRoutes({
        store: async () => void (await options.engine.revisions(["readyz-probe"])),
        // Asked only once the app below exists (a request cannot arrive earlier).
        slack: async () => void (await app.client.auth.test()),
        stopping: () => stopping,
      }),
    });
    http.requestListener = guardTimestamps(http.requestListener, {
      endpoints: [SLACK_EVENTS_PATH],
      now,
      onRefused: (reason) => log.warn({ reason }, "refused a Slack request with a skewed timestamp"),
    });
    receiver = http;
  }

  const app = new App({
    receiver,
    token: options.botToken,
    logger,
    // auth.test runs in start(), where a bad token becomes a clear error instead of an unhandled rejection.
    deferInitialization: true,
    // Bolt's conversation store is unused here and costs every request a lookup and a thrown "not found" before ack.
    convoStore: false,
    clientOptions,
  });

  const links = new MessageLinks(options.home, now);
  const claims = options.engine.claims;
  const deps: SlackDeps = {
    engine: options.engine,
    diagnose: options.diagnose,
    ...(options.scan ? { scan: options.scan } : {}),
    ...(options.diagnoseContainerGroup ? { diagnoseContainerGroup: options.diagnoseContainerGroup } : {}),
    triage: options.triage,
    approvers: [...options.approvers],
    approvalTtlMs: options.approvalTtlMs ?? DEFAULT_APPROVAL_TTL_MS,
    now,
    messages: new RunMessages({
      client: app.client,
      engine: options.engine,
      approvers: options.approvers,
      now,
      log,
      links,
      ...(claims
        ? {
            shared: {
              claim: (key: string, value?: string) => claims.claimOnce(key, value),
              claimed: (key: string) => claims.claimedValue(key),
            },
          }
        : {}),
    }),
    dedupe: new ClickDedupe(now),
    queue: new PerRunQueue(),
    ackFirst: new AckFirst(),
    log,
  };
  const watcher = new RunWatcher({
    runs: options.engine,
    following: () => deps.messages.following(),
    show: (view) => deps.messages.showMoved(view),
    ...(options.runWatchIntervalMs ? { intervalMs: options.runWatchIntervalMs } : {}),
    log,
  });
  const takeover = new RunTakeover({
    engine: options.engine,
    taken: (runId) => void deps.messages.watch(runId),
    ...(options.takeoverIntervalMs ? { intervalMs: options.takeoverIntervalMs } : {}),
    log,
  });
  // Before every listener: counts arrivals, so work after an ack waits for a burst to be acknowledged.
  app.use(async ({ next }) => {
    deps.ackFirst.arrived();
    await next();
  });
  registerListeners(app, deps);
  app.error(async (error) => {
    log.error(
      { code: (error as { code?: string }).code ?? null, error: error.name },
      "unhandled error in a Slack listener",
    );
  });

  let started = false;
  const reattach = async () => {
    const count = await deps.messages.reattach();
    if (count > 0) log.info({ runs: count }, "re-attached the messages of runs in progress");
    watcher.start();
    takeover.start();
  };
  return {
    app,
    receiver,
    deps,
    async start(listen) {
      try {
        await app.init();
      } catch (error) {
        links.close();
        throw startFailure(error, options.apiUrl);
      }
      if (options.socketMode) {
        await app.start();
        started = true;
        await reattach();
        return {};
      }
      const server = (await app.start(listen ?? { port: 3000 })) as Server;
      started = true;
      await reattach();
      return { port: (server.address() as AddressInfo).port };
    },
    async stop() {
      // Not ready from now on: the platform stops routing requests here while the app finishes what it acknowledged.
      stopping = true;
      takeover.stop();
      watcher.stop();
      await deps.messages.idle();
      deps.messages.close();
      if (started) await app.stop();
      started = false;
      links.close();
    },
  };
}
