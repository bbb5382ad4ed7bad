// GET /healthz (the process is up and serving) and GET /readyz (the run store and Slack's Web API answer), for a
// load balancer or Azure Container Apps' probes: https://learn.microsoft.com/azure/container-apps/health-probes
// A replica that is shutting down says it is not ready, so the platform stops sending it requests first.
import type { ServerResponse } from "node:http";
import type { CustomRoute } from "@slack/bolt";

export interface ReadinessProbes {
  /** Rejects when the run store does not answer (one cheap read). */
  store(): Promise<void>;
  /** Rejects when Slack's Web API does not accept the bot token. */
  slack(): Promise<void>;
  stopping(): boolean;
}

/** Slack is asked at most this often; a probe every few seconds must not turn into rate-limited auth.test calls. */
const SLACK_CHECK_MS = 30_000;

function reply(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function healthRoutes(probes: ReadinessProbes, now: () => number = Date.now): CustomRoute[] {
  let slackCheckedAt = -Infinity;
  return [
    {
      path: "/healthz",
      method: "GET",
      handler: (_req, res) => reply(res, 200, { status: "ok" }),
    },
    {
      path: "/readyz",
      method: "GET",
      handler: (_req, res) => {
        if (probes.stopping()) return reply(res, 503, { status: "stopping" });
        const fresh = now() - slackCheckedAt < SLACK_CHECK_MS;
        let store = "ok";
        const stored = probes.store().catch((error: unknown) => void (store = reason(error)));
        const slack = fresh ? Promise.resolve() : probes.slack();
        // Both asked at once; the answer waits for the store's.
        Promise.all([stored, slack]).then(
          () => {
            if (!fresh) slackCheckedAt = now();
            reply(res, store === "ok" ? 200 : 503, {
              status: store === "ok" ? "ready" : "not-ready",
              store,
              slack: "ok",
            });
          },
          (error: unknown) =>
            reply(res, 503, {
              status: "not-ready",
              store,
              slack: `Slack did not accept the bot token: ${reason(error)}`,
            }),
        );
      },
    },
  ];
}
