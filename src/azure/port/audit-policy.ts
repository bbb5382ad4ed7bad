// A pipeline policy that reports every HTTP response (retries and challenge round-trips included) to the RunEngine's
// audit log: method, URL without its query (SAS signatures and skip tokens live there), status and request id.
import type { PipelinePolicy } from "@azure/core-rest-pipeline";

export interface ResponseRecord {
  method: string;
  /** Scheme, host and path only. */
  url: string;
  status: number;
  requestId?: string;
  /** Resource Manager's `x-ms-ratelimit-remaining-subscription-reads`, when it sent one: the fleet scan paces on it. */
  remainingReads?: number;
}

export function auditPolicy(onResponse: (record: ResponseRecord) => void): PipelinePolicy {
  return {
    name: "acrCmkAuditPolicy",
    async sendRequest(request, next) {
      const response = await next(request);
      const url = new URL(request.url);
      const requestId = response.headers.get("x-ms-request-id") ?? undefined;
      const remaining = Number.parseInt(response.headers.get("x-ms-ratelimit-remaining-subscription-reads") ?? "", 10);
      try {
        onResponse({
          method: request.method,
          url: `${url.protocol}//${url.host}${url.pathname}`,
          status: response.status,
          ...(requestId ? { requestId } : {}),
          ...(Number.isFinite(remaining) ? { remainingReads: remaining } : {}),
        });
      } catch {
        // An audit sink that throws must not turn a successful Azure call into a failure.
      }
      return response;
    },
  };
}
