// Resource Manager's read limit per subscription, as a token bucket: each GET below /subscriptions/{id} takes a token,
// tokens refill at a steady rate, and an empty bucket answers 429 with Retry-After. Azure's documented defaults are a
// bucket of 250 reads refilled at 25 per second, per subscription and principal
// (https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling).
import type { World } from "../world.js";
import type { SandboxResponse } from "./wire.js";

/** Azure's documented subscription read limit. */
export const ARM_READ_BUDGET = { bucket: 250, refillPerSecond: 25 } as const;

export type ReadGate =
  | { throttled: false; subscriptionId: string; remaining: number }
  | { throttled: true; subscriptionId: string; retryAfterMs: number };

const SUBSCRIPTION_PATH = /^\/+subscriptions\/([^/]+)\/./i;

/** Takes one read token for an ARM GET below a subscription; null when the request is not such a read or no budget is set. Runs inside a store update. */
export function takeSubscriptionRead(world: World, method: string, path: string, nowMs: number): ReadGate | null {
  const budget = world.settings.readBudget;
  if (!budget || method !== "GET") return null;
  const subscriptionId = SUBSCRIPTION_PATH.exec(path)?.[1];
  if (!subscriptionId) return null;
  const key = subscriptionId.toLowerCase();
  world.readTokens ??= {};
  const state = world.readTokens[key] ?? { tokens: budget.bucket, atMs: nowMs };
  const elapsed = Math.max(0, nowMs - state.atMs);
  const tokens = Math.min(budget.bucket, state.tokens + (elapsed * budget.refillPerSecond) / 1000);
  if (tokens >= 1) {
    world.readTokens[key] = { tokens: tokens - 1, atMs: nowMs };
    return { throttled: false, subscriptionId, remaining: Math.floor(tokens - 1) };
  }
  world.readTokens[key] = { tokens, atMs: nowMs };
  const retryAfterMs = Math.max(1, Math.ceil(((1 - tokens) * 1000) / budget.refillPerSecond));
  return { throttled: true, subscriptionId, retryAfterMs };
}

/** The header every answered subscription read carries. */
export function remainingReadsHeader(gate: ReadGate | null): Record<string, string> {
  return gate && !gate.throttled ? { "x-ms-ratelimit-remaining-subscription-reads": String(gate.remaining) } : {};
}

/**
 * ARM's throttling answer. Retry-After is whole seconds as Azure sends it; `x-ms-retry-after-ms` (which the Azure SDK
 * reads before Retry-After) gives the exact wait, so clients of the sandbox do not sleep a whole second per refusal.
 */
export function throttledResponse(world: World, gate: Extract<ReadGate, { throttled: true }>): SandboxResponse {
  const seconds = Math.max(1, Math.ceil(gate.retryAfterMs / 1000));
  const message =
    `Number of 'read' requests for subscription '${gate.subscriptionId}' actor '${world.operator.objectId}' exceeded. ` +
    `Please try again after '${seconds}' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling`;
  return {
    status: 429,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "retry-after": String(seconds),
      "x-ms-retry-after-ms": String(gate.retryAfterMs),
      "x-ms-ratelimit-remaining-subscription-reads": "0",
    },
    body: JSON.stringify({ error: { code: "SubscriptionRequestsThrottled", message } }),
  };
}
