// The sandbox's front door: one transport-neutral function that answers a request the way Azure would. It routes by
// host (management.azure.com, <vault>.vault.azure.net, <registry>.azurecr.io) or, on the sandbox server's own host,
// by a leading /vault/<name> or /registry/<name> segment; ARM paths are /subscriptions or below it, on any host.
import { randomUUID } from "node:crypto";
import { handleArm, isPurgeRequest } from "./http/arm.js";
import type { RouteContext, RouteResult } from "./http/context.js";
import { faultResponse, sleep, takeFault } from "./http/faults.js";
import { requestCaller } from "./http/caller.js";
import { handleKeyVault, isKeyVaultPurgeRequest } from "./http/keys.js";
import { remainingReadsHeader, takeSubscriptionRead, throttledResponse } from "./http/read-budget.js";
import { queryLogAnalytics } from "./http/log-analytics.js";
import { errorBody, ServiceError, type ErrorStyle } from "./http/problems.js";
import { handleRegistryDataPlane } from "./http/registry-data-plane.js";
import { SandboxNetworkError, type SandboxRequest, type SandboxResponse } from "./http/wire.js";
import { recordChanges } from "./change-log.js";
import { applyTimeEffects, worldNow } from "./clock.js";
import { openResponseLog, userAgentOf } from "./response-log.js";
import type { WorldStore } from "./store.js";
import type { World } from "./world.js";

export { SandboxNetworkError, type SandboxRequest, type SandboxResponse } from "./http/wire.js";

export interface SandboxHandler {
  handle(req: SandboxRequest): Promise<SandboxResponse>;
}

type Target =
  | { service: "arm"; prefix: "" }
  | { service: "loganalytics"; prefix: string }
  | { service: "keyvault"; name: string; prefix: string }
  | { service: "acr"; name: string; prefix: string };

const VAULT_HOST = /^([a-z0-9-]+)\.vault\.azure\.net$/i;
const REGISTRY_HOST = /^([a-z0-9]+)\.azurecr\.io$/i;
const PREFIXED = /^\/(vault|registry)\/([^/]+)(\/.*)?$/i;
/** Log Analytics' query API: api.loganalytics.io, its regional names, and its newer api.loganalytics.azure.com. */
const LOG_ANALYTICS_HOST = /^(?:[a-z0-9-]+\.)?api\.loganalytics\.(?:io|azure\.com)$/i;
const LOG_ANALYTICS_PREFIX = /^\/loganalytics(\/.*)?$/i;

function locate(url: URL): { target: Target; path: string } | null {
  const vault = VAULT_HOST.exec(url.hostname);
  if (vault) return { target: { service: "keyvault", name: vault[1] as string, prefix: "" }, path: url.pathname };
  const registry = REGISTRY_HOST.exec(url.hostname);
  if (registry) return { target: { service: "acr", name: registry[1] as string, prefix: "" }, path: url.pathname };
  if (LOG_ANALYTICS_HOST.test(url.hostname))
    return { target: { service: "loganalytics", prefix: "" }, path: url.pathname };
  const logs = LOG_ANALYTICS_PREFIX.exec(url.pathname);
  if (logs) return { target: { service: "loganalytics", prefix: "/loganalytics" }, path: logs[1] ?? "/" };
  const prefixed = PREFIXED.exec(url.pathname);
  if (prefixed) {
    const name = decodeURIComponent(prefixed[2] as string);
    const prefix = `/${prefixed[1]}/${prefixed[2]}`;
    const path = prefixed[3] ?? "/";
    return prefixed[1]?.toLowerCase() === "vault"
      ? { target: { service: "keyvault", name, prefix }, path }
      : { target: { service: "acr", name, prefix }, path };
  }
  if (
    url.hostname.toLowerCase() === "management.azure.com" ||
    /^\/+(subscriptions|providers)(\/|$)/i.test(url.pathname)
  ) {
    return { target: { service: "arm", prefix: "" }, path: url.pathname };
  }
  return null;
}

function styleOf(target: Target | undefined): ErrorStyle {
  if (!target || target.service === "arm" || target.service === "loganalytics") return "arm";
  return target.service === "keyvault" ? "keyvault" : "acr";
}

function requestIds(req: SandboxRequest, target: Target | undefined): Record<string, string> {
  const requestId = randomUUID();
  const headers: Record<string, string> = {
    "x-ms-request-id": requestId,
    "x-ms-correlation-request-id": req.headers["x-ms-correlation-request-id"] ?? requestId,
    "cache-control": "no-cache",
    date: new Date().toUTCString(),
  };
  const clientRequestId = req.headers["x-ms-client-request-id"];
  if (clientRequestId) headers["x-ms-client-request-id"] = clientRequestId;
  if (target?.service === "keyvault") headers["x-ms-keyvault-service-version"] = "1.9.0.0-sandbox";
  return headers;
}

function toResponse(result: RouteResult, base: Record<string, string>): SandboxResponse {
  const headers = { ...base, ...(result.headers ?? {}) };
  if (result.body === undefined) return { status: result.status, headers: { ...headers, "content-length": "0" } };
  return {
    status: result.status,
    headers: { ...headers, "content-type": "application/json; charset=utf-8" },
    body: JSON.stringify(result.body),
  };
}

/**
 * Requests that change Azure when they succeed: what `counters.writes` counts, so tests can prove that a dry run or a
 * refused command changed nothing and that a resumed run repeated no change. Reads sent as POST (a key backup, the
 * registry's token exchange) are not writes; a refusal that still changed the world says so (`refusedButChanged`).
 */
export function isWrite(service: Target["service"], method: string, path: string): boolean {
  if (service === "loganalytics") return false;
  if (method === "PUT" || method === "PATCH" || method === "DELETE") return true;
  if (method !== "POST") return false;
  if (service === "acr") return false;
  // A Resource Graph query is POSTed but reads.
  if (/^\/*providers\/Microsoft\.ResourceGraph\/resources\/?$/i.test(path)) return false;
  if (service === "keyvault") return !/\/backup\/?$/i.test(path);
  return !/\/list[^/]*\/?$/i.test(path);
}

function lowerCaseHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** The world as a write would find it: time's own effects (auto-rotation, retention) are nobody's change. */
function worldBefore(store: WorldStore): World {
  const world = structuredClone(store.read());
  applyTimeEffects(world, worldNow(world));
  return world;
}

export function createSandboxHandler(options: { store: WorldStore; latencyMs?: number }): SandboxHandler {
  const handler = answerer(options);
  const log = openResponseLog();
  if (!log) return handler;
  return {
    async handle(incoming: SandboxRequest): Promise<SandboxResponse> {
      const response = await handler.handle(incoming);
      let url: URL;
      try {
        url = new URL(incoming.url);
      } catch {
        return response;
      }
      const located = locate(url);
      const service = located?.target.service;
      if (located && (service === "arm" || service === "keyvault")) {
        const method = incoming.method.toUpperCase();
        const userAgent = userAgentOf({ ...incoming, headers: lowerCaseHeaders(incoming.headers) });
        const entry = { service, method, url: url.toString(), path: located.path, status: response.status };
        log(
          { ...entry, ...(userAgent ? { userAgent } : {}), ...(response.body ? { body: response.body } : {}) },
          response,
        );
      }
      return response;
    },
  };
}

function answerer(options: { store: WorldStore; latencyMs?: number }): SandboxHandler {
  const { store } = options;
  return {
    async handle(incoming: SandboxRequest): Promise<SandboxResponse> {
      const req: SandboxRequest = {
        ...incoming,
        method: incoming.method.toUpperCase(),
        headers: lowerCaseHeaders(incoming.headers),
      };
      let url: URL;
      try {
        url = new URL(req.url);
      } catch {
        return toResponse(
          { status: 400, body: { error: { code: "InvalidUrl", message: `'${req.url}' is not an absolute URL.` } } },
          requestIds(req, undefined),
        );
      }
      const located = locate(url);
      const target = located?.target;
      const ids = requestIds(req, target);

      // Bookkeeping first: every request counts, purge attempts are counted whatever the answer, faults fire.
      const purge =
        located !== null &&
        ((target?.service === "arm" && isPurgeRequest(req.method, located.path)) ||
          (target?.service === "keyvault" && isKeyVaultPurgeRequest(req.method, located.path)));
      const { fault, latencyMs, gate, throttled } = store.update((world, now) => {
        world.counters.requests += 1;
        if (purge) world.counters.purgeRequests += 1;
        const fault = takeFault(world, req.method, req.url);
        const gate =
          !fault && target?.service === "arm" && located
            ? takeSubscriptionRead(world, req.method, located.path, now.getTime())
            : null;
        return {
          fault,
          gate,
          throttled: gate?.throttled ? throttledResponse(world, gate) : null,
          latencyMs: options.latencyMs ?? world.settings.latencyMs,
        };
      });
      if (latencyMs > 0) await sleep(latencyMs);
      if (fault) return { ...faultResponse(fault), headers: { ...ids, ...faultResponse(fault).headers } };
      if (throttled) return { ...throttled, headers: { ...ids, ...throttled.headers } };

      if (!located || !target) {
        return toResponse(
          {
            status: 404,
            body: {
              error: {
                code: "SandboxRouteNotFound",
                message: `The sandbox does not serve ${url.host}${url.pathname}: use ARM paths (/subscriptions/...), <vault>.vault.azure.net or /vault/<name>, <registry>.azurecr.io or /registry/<name>.`,
              },
            },
          },
          ids,
        );
      }
      const ctx: RouteContext = {
        method: req.method,
        url,
        headers: req.headers,
        rawBody: req.body,
        path: located.path,
        linkBase: `${url.protocol}//${url.host}${target.prefix}`,
        store,
      };
      try {
        // What the world was before a possible write, so the change can be recorded with who made it.
        const before = isWrite(target.service, req.method, located.path) ? worldBefore(store) : undefined;
        let result: RouteResult;
        if (target.service === "arm") result = handleArm(ctx);
        else if (target.service === "loganalytics") result = queryLogAnalytics(ctx);
        else if (target.service === "keyvault") result = await handleKeyVault(ctx, target.name);
        else result = handleRegistryDataPlane(ctx, target.name);
        const wrote =
          result.status < 300 ? isWrite(target.service, req.method, located.path) : result.refusedButChanged === true;
        if (wrote) {
          const caller = requestCaller(req.headers, ids["x-ms-request-id"] as string);
          store.update((world, now) => {
            world.counters.writes += 1;
            if (before) recordChanges(before, world, caller, now);
          });
        }
        return toResponse(result, { ...ids, ...remainingReadsHeader(gate) });
      } catch (error) {
        if (error instanceof SandboxNetworkError) throw error;
        if (error instanceof ServiceError) {
          return toResponse(
            { status: error.status, body: errorBody(styleOf(target), error), headers: error.extra.headers ?? {} },
            ids,
          );
        }
        // A bug in the sandbox, not an Azure answer: say so plainly (no stack trace in the body).
        const message = error instanceof Error ? error.message : String(error);
        return toResponse(
          { status: 500, body: { error: { code: "SandboxInternalError", message: `The sandbox failed: ${message}` } } },
          ids,
        );
      }
    },
  };
}
