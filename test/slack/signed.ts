// Requests as Slack sends them: v0 HMAC-SHA256 of `v0:<timestamp>:<body>`, slash commands as form-encoded strings
// (not URLSearchParams, which would add a charset Bolt refuses), block_actions and view_submission as `payload=<json>`.
import { createHmac } from "node:crypto";

export function signature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

export function formBody(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join("&");
}

export function payloadBody(payload: unknown): string {
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

export interface PostOptions {
  secret: string;
  /** Seconds since the epoch; now by default. */
  timestamp?: number;
  /** Sign with this instead (a forged request). */
  signWith?: string;
}

export async function postSigned(url: string, body: string, options: PostOptions): Promise<Response> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": signature(options.signWith ?? options.secret, timestamp, body),
    },
    body,
  });
}
