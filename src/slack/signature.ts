// Slack's signing guide refuses requests whose timestamp is more than five minutes off the local clock in either
// direction; Bolt's own verification refuses only old ones. This adds the other half in front of Bolt, which still
// verifies every signature itself (we never turn its verification off).
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";

export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

export type TimestampVerdict = { ok: true } | { ok: false; reason: string };

/** Pure: judges the `X-Slack-Request-Timestamp` header against `nowMs`. */
export function checkRequestTimestamp(header: string | string[] | undefined, nowMs: number): TimestampVerdict {
  if (typeof header !== "string" || !/^\d{1,12}$/.test(header)) {
    return { ok: false, reason: "missing or malformed x-slack-request-timestamp" };
  }
  const skew = Number(header) - Math.floor(nowMs / 1000);
  if (skew > MAX_CLOCK_SKEW_SECONDS) return { ok: false, reason: `request timestamp is ${skew}s in the future` };
  if (skew < -MAX_CLOCK_SKEW_SECONDS) return { ok: false, reason: `request timestamp is ${-skew}s old` };
  return { ok: true };
}

export interface TimestampGuardOptions {
  /** Paths Slack posts to (the receiver's endpoints); other paths go straight to the receiver. */
  endpoints: readonly string[];
  now: () => Date;
  onRefused?: (reason: string) => void;
}

/** Wraps the receiver's request listener: refuses skewed requests with 401 before Bolt reads the body. */
export function guardTimestamps(inner: RequestListener, options: TimestampGuardOptions): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method?.toUpperCase() === "POST") {
      const verdict = checkRequestTimestamp(req.headers["x-slack-request-timestamp"], options.now().getTime());
      // The path only when refusing (the hot path skips the URL parse), read the way Bolt routes it.
      if (!verdict.ok && options.endpoints.includes(new URL(req.url ?? "/", "http://localhost").pathname)) {
        options.onRefused?.(verdict.reason);
        // Drain the body so the client sees a clean 401, as Bolt answers a bad signature.
        req.resume();
        res.writeHead(401);
        res.end();
        return;
      }
    }
    inner(req, res);
  };
}
