// Microsoft Entra ID, as far as a service principal's sign-in goes: OpenID Connect discovery, instance discovery and the
// client credentials grant, for the world's one tenant. Any client id and secret are accepted: the caller is the
// sandbox operator whatever it signs in as. Tokens are JWT-shaped so that clients reading claims work, and unsigned
// (`alg: none`, empty signature: an "unsecured JWT", RFC 7519 §6) so that nothing mistakes them for real ones.
// Shapes: https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc,
// https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow,
// https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference.
import { randomUUID } from "node:crypto";
import type { SandboxRequest, SandboxResponse } from "../http/wire.js";
import type { World } from "../world.js";

/** Real access tokens live 60–90 minutes; clients refresh before the end. Real time: tokens live on clients' clocks. */
const TOKEN_SECONDS = 3599;
const AUTHORITY = "https://login.microsoftonline.com";
/** The tenant-independent names Entra answers discovery for; a token needs a real tenant. */
const MULTI_TENANT = new Set(["common", "organizations"]);

interface EntraError {
  status: number;
  error: string;
  code: number;
  description: string;
}

function json(status: number, body: unknown, extra: Record<string, string> = {}): SandboxResponse {
  return {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store, no-cache", ...extra },
    body: JSON.stringify(body),
  };
}

/** Entra's error body: `AADSTS<code>: …` with trace, correlation id and timestamp (as in Azure/azure-cli#22145). */
function errorResponse(req: SandboxRequest, problem: EntraError): SandboxResponse {
  const traceId = randomUUID();
  const correlationId = req.headers["client-request-id"] ?? randomUUID();
  const timestamp = new Date()
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z");
  return json(problem.status, {
    error: problem.error,
    error_description: `AADSTS${problem.code}: ${problem.description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [problem.code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `${AUTHORITY}/error?code=${problem.code}`,
  });
}

function unknownTenant(tenant: string): EntraError {
  return {
    status: 400,
    error: "invalid_tenant",
    code: 90002,
    description: `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant. (The acr-cmk sandbox has one tenant: run \`acr-cmk sandbox status\` or read the tenantId that \`sandbox serve --proxy\` printed.)`,
  };
}

function missingParameter(name: string): EntraError {
  return {
    status: 400,
    error: "invalid_request",
    code: 900144,
    description: `The request body must contain the following parameter: '${name}'.`,
  };
}

function openIdConfiguration(tenant: string): unknown {
  const base = `${AUTHORITY}/${tenant}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: `${base}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: "https://graph.microsoft.com/oidc/userinfo",
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: ["sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce", "tid", "ver"],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: "EU",
    cloud_instance_name: "microsoftonline.com",
    cloud_graph_host_name: "graph.windows.net",
    msgraph_host: "graph.microsoft.com",
    rbac_url: "https://pas.windows.net",
  };
}

/** Instance discovery (what MSAL asks before trusting an authority host): the public cloud's aliases. */
function instanceDiscovery(url: URL): unknown {
  const endpoint = url.searchParams.get("authorization_endpoint");
  const tenant = (endpoint && /^https:\/\/[^/]+\/([^/]+)\//.exec(endpoint)?.[1]) || "common";
  return {
    tenant_discovery_endpoint: `${AUTHORITY}/${tenant}/v2.0/.well-known/openid-configuration`,
    "api-version": "1.1",
    metadata: [
      {
        preferred_network: "login.microsoftonline.com",
        preferred_cache: "login.windows.net",
        aliases: ["login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"],
      },
    ],
  };
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** The resource a `<resource>/.default` scope names: the token's audience. */
function audienceOf(scope: string): string {
  const first = scope.split(/\s+/).find((s) => s.endsWith("/.default")) ?? scope;
  return first.slice(0, -"/.default".length) || first;
}

/** An unsigned, JWT-shaped access token with the claims clients read (v1 tokens, as Resource Manager's are). */
export function sandboxAccessToken(world: World, clientId: string, audience: string, nowMs = Date.now()): string {
  const now = Math.floor(nowMs / 1000);
  const issuer = `https://sts.windows.net/${world.tenantId}/`;
  const payload = {
    aud: audience,
    iss: issuer,
    iat: now,
    nbf: now,
    exp: now + TOKEN_SECONDS,
    appid: clientId,
    appidacr: "1",
    idp: issuer,
    oid: world.operator.objectId,
    sub: world.operator.objectId,
    tid: world.tenantId,
    uti: randomUUID().replace(/-/g, ""),
    ver: "1.0",
    // Says so to anyone who decodes it.
    acr_cmk_sandbox: "unsigned token from the acr-cmk sandbox; not valid anywhere else",
  };
  return `${encode({ typ: "JWT", alg: "none" })}.${encode(payload)}.`;
}

function token(req: SandboxRequest, world: World): SandboxResponse {
  if (req.method !== "POST") return json(405, { error: "invalid_request", error_description: "Use POST." });
  const form = new URLSearchParams(req.body ?? "");
  const grantType = form.get("grant_type");
  if (!grantType) return errorResponse(req, missingParameter("grant_type"));
  if (grantType !== "client_credentials") {
    return errorResponse(req, {
      status: 400,
      error: "unsupported_grant_type",
      code: 70003,
      description: `The app requested an unsupported grant type '${grantType}': the acr-cmk sandbox signs in service principals only (client_credentials).`,
    });
  }
  const clientId = form.get("client_id")?.trim() || basicClientId(req.headers.authorization);
  if (!clientId) return errorResponse(req, missingParameter("client_id"));
  const hasSecret = Boolean(form.get("client_secret")) || /^Basic\s+\S+/i.test(req.headers.authorization ?? "");
  if (!hasSecret && !form.get("client_assertion")) {
    return errorResponse(req, {
      status: 401,
      error: "invalid_client",
      code: 7000216,
      description:
        "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
    });
  }
  const scope = form.get("scope");
  if (!scope) return errorResponse(req, missingParameter("scope"));
  if (!scope.split(/\s+/).some((s) => s.endsWith("/.default"))) {
    return errorResponse(req, {
      status: 400,
      error: "invalid_scope",
      code: 1002012,
      description: `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    });
  }
  return json(200, {
    token_type: "Bearer",
    expires_in: TOKEN_SECONDS,
    ext_expires_in: TOKEN_SECONDS,
    access_token: sandboxAccessToken(world, clientId, audienceOf(scope)),
  });
}

/** client_secret_basic: the client id is the user part of the Basic credentials. */
function basicClientId(authorization: string | undefined): string | undefined {
  const encoded = /^Basic\s+(\S+)/i.exec(authorization ?? "")?.[1];
  if (!encoded) return undefined;
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const user = decoded.split(":")[0];
  return user ? decodeURIComponent(user) : undefined;
}

/** Answers one request to login.microsoftonline.com (or its alias login.windows.net) from the world. */
export function handleEntra(req: SandboxRequest, world: World): SandboxResponse {
  const url = new URL(req.url);
  const segments = url.pathname.split("/").filter(Boolean);
  const [tenantSegment, ...rest] = segments;
  const path = rest.join("/").toLowerCase();
  if (tenantSegment === undefined) {
    return json(404, { error: "not_found", error_description: "Name a tenant: /<tenant>/oauth2/v2.0/token." });
  }
  const tenant = tenantSegment.toLowerCase();
  if (path === "discovery/instance" && req.method === "GET") return json(200, instanceDiscovery(url));
  const known = tenant === world.tenantId.toLowerCase();
  if (path === "v2.0/.well-known/openid-configuration" && req.method === "GET") {
    if (known) return json(200, openIdConfiguration(world.tenantId));
    if (MULTI_TENANT.has(tenant)) return json(200, openIdConfiguration(tenant === "common" ? "{tenantid}" : tenant));
    return errorResponse(req, unknownTenant(tenantSegment));
  }
  if (path === "discovery/v2.0/keys" && req.method === "GET") {
    // Sandbox tokens are unsigned: there is no key to publish.
    return known ? json(200, { keys: [] }) : errorResponse(req, unknownTenant(tenantSegment));
  }
  if (path === "oauth2/v2.0/token") {
    return known ? token(req, world) : errorResponse(req, unknownTenant(tenantSegment));
  }
  return json(404, {
    error: "not_found",
    error_description: `The acr-cmk sandbox does not simulate ${req.method} ${url.pathname} on ${url.host}: only OpenID Connect discovery, instance discovery and the client credentials token endpoint of tenant ${world.tenantId}.`,
  });
}
