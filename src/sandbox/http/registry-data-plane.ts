// The registry's own data plane, as far as @azure/container-registry's listRepositoryNames goes: the bearer
// challenge, the AAD → ACR refresh token exchange, the refresh → access token exchange, and the catalog. The catalog
// is where a registry that cannot read its key fails (ground truth from ../health.ts).
import { randomBytes } from "node:crypto";
import { recordRegistryUnwrap } from "../change-log.js";
import { registryKeyAccess } from "../health.js";
import type { RegistryRecord, World } from "../world.js";
import { pathSegments, readForm, type RouteContext, type RouteResult } from "./context.js";
import { ServiceError } from "./problems.js";
import { SandboxNetworkError } from "./wire.js";

const REFRESH_TOKEN_SECONDS = 3 * 3600;
const ACCESS_TOKEN_SECONDS = 75 * 60;

export function findRegistryByLogin(world: World, name: string): RegistryRecord {
  const login = name.toLowerCase();
  const registry = Object.values(world.registries).find((r) => r.name.toLowerCase() === login);
  if (!registry) throw new SandboxNetworkError(`getaddrinfo ENOTFOUND ${login}.azurecr.io`, "ENOTFOUND");
  return registry;
}

function loginServer(registry: RegistryRecord): string {
  return `${registry.name.toLowerCase()}.azurecr.io`;
}

/** Unsigned-looking JWT with the claims the SDK reads (`exp`); tokens are opaque to everyone else. */
function token(registry: RegistryRecord, kind: "refresh" | "access", seconds: number, scope?: string): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const payload = {
    jti: randomBytes(8).toString("hex"),
    sub: "sandbox-operator",
    aud: loginServer(registry),
    iss: "Azure Container Registry",
    iat: now,
    nbf: now,
    exp: now + seconds,
    grant_type: kind === "refresh" ? "refresh_token" : "access_token",
    ...(scope ? { scope } : {}),
  };
  return `${encode({ alg: "RS256", typ: "JWT" })}.${encode(payload)}.${randomBytes(16).toString("base64url")}`;
}

interface Claims {
  aud?: string;
  exp?: number;
  grant_type?: string;
}

function claims(jwt: string): Claims | null {
  const part = jwt.split(".")[1];
  if (!part) return null;
  try {
    return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Claims;
  } catch {
    return null;
  }
}

/** A token this registry issued, of this kind, not expired (real time: tokens live on the client's clock). */
function validToken(registry: RegistryRecord, value: string | null | undefined, kind: "refresh" | "access"): boolean {
  if (!value) return false;
  const c = claims(value);
  return Boolean(
    c &&
    c.aud === loginServer(registry) &&
    c.grant_type === (kind === "refresh" ? "refresh_token" : "access_token") &&
    typeof c.exp === "number" &&
    c.exp * 1000 > Date.now(),
  );
}

function challenge(registry: RegistryRecord, scope?: string): ServiceError {
  const login = loginServer(registry);
  return new ServiceError(
    401,
    "UNAUTHORIZED",
    "authentication required, visit https://aka.ms/acr/authorization for more information.",
    {
      headers: {
        "www-authenticate": `Bearer realm="https://${login}/oauth2/token",service="${login}"${scope ? `,scope="${scope}"` : ""}`,
      },
    },
  );
}

function bearer(ctx: RouteContext): string | undefined {
  return /^Bearer\s+(\S+)/i.exec(ctx.headers.authorization ?? "")?.[1];
}

function exchange(ctx: RouteContext, registry: RegistryRecord): RouteResult {
  const form = readForm(ctx);
  if (form.get("grant_type") !== "access_token" || !form.get("access_token")) {
    throw new ServiceError(400, "BAD_REQUEST", "grant_type must be access_token and access_token must be present.");
  }
  if (form.get("service") !== loginServer(registry)) {
    throw new ServiceError(400, "BAD_REQUEST", `service must be ${loginServer(registry)}.`);
  }
  return { status: 200, body: { refresh_token: token(registry, "refresh", REFRESH_TOKEN_SECONDS) } };
}

function accessToken(ctx: RouteContext, registry: RegistryRecord): RouteResult {
  const form = readForm(ctx);
  if (form.get("grant_type") !== "refresh_token" || !validToken(registry, form.get("refresh_token"), "refresh")) {
    throw new ServiceError(401, "UNAUTHORIZED", "The refresh token is not valid for this registry.");
  }
  const scope = form.get("scope") ?? "";
  return { status: 200, body: { access_token: token(registry, "access", ACCESS_TOKEN_SECONDS, scope) } };
}

/**
 * The catalog fails while the registry cannot unwrap its key. ACR's real text for that is not published (research
 * §7); health.ts gives the documented identity-inactive 403 where it applies and a plainly synthetic message otherwise.
 */
function catalog(ctx: RouteContext, registry: RegistryRecord): RouteResult {
  if (!validToken(registry, bearer(ctx), "access")) throw challenge(registry, "registry:catalog:*");
  const result = ctx.store.update((world, now) => {
    const current = world.registries[registry.id.toLowerCase()] ?? registry;
    if (current.encryption.status !== "enabled") return { ok: true as const, registry: current };
    const access = registryKeyAccess(world, current, now, "unwrap");
    // A read the key cannot serve is another failing unwrap in the vault's audit events.
    if (!access.ok) recordRegistryUnwrap(world, current, now);
    return access.ok ? { ok: true as const, registry: current } : { ok: false as const, access };
  });
  if (!result.ok) {
    const failure = result.access.failure ?? {
      status: 403,
      code: "DENIED",
      message: `registry content is not readable: ${result.access.reason ?? "unknown reason"}`,
    };
    throw new ServiceError(failure.status, failure.code, failure.message);
  }
  const names = [...result.registry.repositories].sort();
  const last = ctx.url.searchParams.get("last");
  const n = Number.parseInt(ctx.url.searchParams.get("n") ?? "", 10);
  const after = last ? names.filter((name) => name > last) : names;
  const size = Number.isFinite(n) && n > 0 ? n : after.length;
  const repositories = after.slice(0, size);
  const headers: Record<string, string> = {};
  if (repositories.length < after.length && repositories.length > 0) {
    const next = `${ctx.path}?last=${encodeURIComponent(repositories[repositories.length - 1] as string)}&n=${size}`;
    headers.link = `<${next}>; rel="next"`;
  }
  return { status: 200, body: { repositories }, headers };
}

export function handleRegistryDataPlane(ctx: RouteContext, name: string): RouteResult {
  const registry = findRegistryByLogin(ctx.store.read(), name);
  const path = pathSegments(ctx.path).join("/").toLowerCase();
  if (path === "v2" && ctx.method === "GET") {
    if (!validToken(registry, bearer(ctx), "access")) throw challenge(registry);
    return { status: 200, body: {} };
  }
  if (path === "oauth2/exchange" && ctx.method === "POST") return exchange(ctx, registry);
  if (path === "oauth2/token" && ctx.method === "POST") return accessToken(ctx, registry);
  // ACR's own catalog (the SDK) and the Docker registry API's (the Azure CLI's `az acr repository list`).
  if ((path === "acr/v1/_catalog" || path === "v2/_catalog") && ctx.method === "GET") return catalog(ctx, registry);
  throw new ServiceError(
    404,
    "NAME_UNKNOWN",
    `The sandbox does not simulate ${ctx.method} ${ctx.path} on the registry data plane (only the catalog and its token flow).`,
  );
}
