// Injected faults and latency (world.settings): for benchmarks and resilience tests. A fault rule matches "METHOD url"
// by substring or /regex/, fires `remaining` times (forever when absent) and is used up through the store.
import type { FaultRule, World } from "../world.js";
import type { SandboxResponse } from "./wire.js";

function matches(rule: FaultRule, line: string): boolean {
  const regex = /^\/(.*)\/([a-z]*)$/.exec(rule.match);
  if (regex) {
    try {
      return new RegExp(regex[1] as string, regex[2]).test(line);
    } catch {
      return false; // a broken pattern never fires rather than breaking every request
    }
  }
  return line.includes(rule.match);
}

/** Takes the first matching fault (decrementing its budget), or null. Runs inside a store update. */
export function takeFault(world: World, method: string, url: string): FaultRule | null {
  const line = `${method} ${url}`;
  const index = world.settings.faults.findIndex((rule) => (rule.remaining ?? 1) > 0 && matches(rule, line));
  if (index < 0) return null;
  const rule = world.settings.faults[index] as FaultRule;
  const fired = { ...rule };
  if (rule.remaining !== undefined) {
    rule.remaining -= 1;
    if (rule.remaining <= 0) world.settings.faults.splice(index, 1);
  }
  return fired;
}

const FAULT_TEXT: Record<FaultRule["status"], { code: string; message: string }> = {
  429: { code: "TooManyRequests", message: "Too many requests: the sandbox injected a throttling fault." },
  500: { code: "InternalServerError", message: "The sandbox injected an internal server error." },
  503: { code: "ServiceUnavailable", message: "The sandbox injected a service-unavailable fault." },
};

export function faultResponse(rule: FaultRule): SandboxResponse {
  const text = FAULT_TEXT[rule.status];
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8" };
  if (rule.retryAfterSeconds !== undefined || rule.status === 429) {
    headers["retry-after"] = String(rule.retryAfterSeconds ?? 1);
  }
  return { status: rule.status, headers, body: JSON.stringify({ error: text }) };
}

export function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
