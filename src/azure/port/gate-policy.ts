// A per-attempt pipeline policy that takes a slot from a concurrency gate before each HTTP attempt and gives it back
// with the answer: how the fleet scan bounds how many requests are in flight. The SDK's own retry policy runs outside
// it, so a request waiting out a 429's Retry-After holds no slot.
import type { PipelinePolicy } from "@azure/core-rest-pipeline";

export interface RequestGate {
  /** Resolves when the request may go; the returned function is called once with its answer. */
  acquire(): Promise<(status: number, remainingReads?: number, retryAfterMs?: number) => void>;
}

export function gatePolicy(gate: RequestGate): PipelinePolicy {
  return {
    name: "acrCmkGatePolicy",
    async sendRequest(request, next) {
      const release = await gate.acquire();
      let status = 0;
      let remaining: number | undefined;
      let retryAfterMs: number | undefined;
      try {
        const response = await next(request);
        status = response.status;
        const header = Number.parseInt(response.headers.get("x-ms-ratelimit-remaining-subscription-reads") ?? "", 10);
        remaining = Number.isFinite(header) ? header : undefined;
        retryAfterMs = status === 429 ? retryAfterOf(response.headers) : undefined;
        return response;
      } finally {
        release(status, remaining, retryAfterMs);
      }
    },
  };
}

/** The wait a throttled answer asks for, read as the SDK's throttling retry reads it (ms headers first). */
function retryAfterOf(headers: { get(name: string): string | undefined }): number | undefined {
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const ms = Number(headers.get(name));
    if (Number.isFinite(ms) && ms >= 0 && headers.get(name) !== undefined) return ms;
  }
  const value = headers.get("retry-after");
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}
