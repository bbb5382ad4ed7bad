// What every route handler gets: the parsed request, the world store, and where links back to the caller start.
import type { z } from "zod";
import type { WorldStore } from "../store.js";
import { ServiceError, type ErrorStyle } from "./problems.js";

export interface RouteContext {
  /** Upper-case HTTP method. */
  method: string;
  url: URL;
  headers: Record<string, string>;
  rawBody: string | undefined;
  /** Path below any `/vault/<name>` or `/registry/<name>` prefix. */
  path: string;
  /** Origin plus prefix the request came in on: nextLink and poll URLs must be callable by the same client. */
  linkBase: string;
  store: WorldStore;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A refusal that still changed the world (ACR's refused removal of its CMK identity): counted as a write. */
  refusedButChanged?: true;
}

const INVALID_BODY: Record<ErrorStyle, { code: string; prefix: string }> = {
  arm: { code: "InvalidRequestContent", prefix: "The request content was invalid and could not be deserialized" },
  keyvault: { code: "BadParameter", prefix: "The request body is not valid" },
  acr: { code: "BAD_REQUEST", prefix: "The request body is not valid" },
};

/** Parses and validates a JSON body; anything else is the service's 400, never a crash. */
export function readJson<T>(ctx: RouteContext, schema: z.ZodType<T>, style: ErrorStyle): T {
  const { code, prefix } = INVALID_BODY[style];
  let data: unknown;
  try {
    data = ctx.rawBody === undefined || ctx.rawBody === "" ? {} : JSON.parse(ctx.rawBody);
  } catch {
    throw new ServiceError(400, code, `${prefix}: the body is not JSON.`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `'${issue.path.join(".") || "(body)"}': ${issue.message}` : "unknown shape";
    throw new ServiceError(400, code, `${prefix}: ${where}.`);
  }
  return parsed.data;
}

/** Reads an `application/x-www-form-urlencoded` body (ACR's token endpoints). */
export function readForm(ctx: RouteContext): URLSearchParams {
  return new URLSearchParams(ctx.rawBody ?? "");
}

/**
 * One page of a list, with a `nextLink` on the caller's own host when more remain. The skip token is an offset:
 * good enough for a world that changes between pages as rarely as a test's does.
 */
export function page<T>(
  ctx: RouteContext,
  items: T[],
  options: { sizeParam: "maxresults" | "$top"; defaultSize: number },
): { value: T[]; nextLink?: string | null } {
  const requested = Number.parseInt(ctx.url.searchParams.get(options.sizeParam) ?? "", 10);
  const size = Number.isFinite(requested) && requested > 0 ? requested : options.defaultSize;
  const skip = Math.max(0, Number.parseInt(ctx.url.searchParams.get("$skiptoken") ?? "0", 10) || 0);
  const value = items.slice(skip, skip + size);
  // Key Vault ends its lists with "nextLink": null (Azure/azure-cli recordings, test_keyvault_key_delete.yaml);
  // Resource Manager leaves the property out.
  if (skip + size >= items.length) return options.sizeParam === "maxresults" ? { value, nextLink: null } : { value };
  const next = new URL(`${ctx.linkBase}${ctx.path}`);
  ctx.url.searchParams.forEach((v, k) => {
    if (k !== "$skiptoken") next.searchParams.set(k, v);
  });
  next.searchParams.set("$skiptoken", String(skip + size));
  return { value, nextLink: next.toString() };
}

/** Segments of a path, decoded, empty ones dropped (the SDK's `{scope}` may add a double slash). */
export function pathSegments(path: string): string[] {
  return path
    .split("/")
    .filter((s) => s.length > 0)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}

/** Matches `segments` against a pattern such as `subscriptions/{sub}/resourceGroups/{rg}`; literals ignore case. */
export function matchSegments(pattern: string, segments: string[]): Record<string, string> | null {
  const parts = pattern.split("/");
  if (parts.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const segment = segments[i] as string;
    if (part.startsWith("{") && part.endsWith("}")) params[part.slice(1, -1)] = segment;
    else if (part.toLowerCase() !== segment.toLowerCase()) return null;
  }
  return params;
}
