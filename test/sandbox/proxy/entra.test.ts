// The simulated Microsoft Entra ID: discovery documents, the client credentials grant, and Entra's own error bodies
// for what it refuses (an unknown tenant above all).
import { describe, expect, it } from "vitest";
import { handleEntra } from "../../../src/sandbox/proxy/entra.js";
import { createWorld } from "../../../src/sandbox/scenarios.js";
import { jwtParts } from "./client.js";

const world = createWorld();
const LOGIN = "https://login.microsoftonline.com";

function get(path: string) {
  return handleEntra({ method: "GET", url: `${LOGIN}${path}`, headers: {} }, world);
}

function tokenRequest(fields: Record<string, string>, tenant = world.tenantId, headers: Record<string, string> = {}) {
  return handleEntra(
    {
      method: "POST",
      url: `${LOGIN}/${tenant}/oauth2/v2.0/token`,
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams(fields).toString(),
    },
    world,
  );
}

const body = (answer: { body?: string }) => JSON.parse(answer.body ?? "{}") as Record<string, unknown>;

const CLIENT = {
  grant_type: "client_credentials",
  client_id: "any-app",
  client_secret: "any-secret",
  scope: "https://management.azure.com/.default",
};

describe("simulated Entra ID", () => {
  it("publishes the world tenant's OpenID configuration", () => {
    const answer = get(`/${world.tenantId}/v2.0/.well-known/openid-configuration`);
    expect(answer.status).toBe(200);
    expect(body(answer)).toMatchObject({
      token_endpoint: `${LOGIN}/${world.tenantId}/oauth2/v2.0/token`,
      issuer: `${LOGIN}/${world.tenantId}/v2.0`,
      authorization_endpoint: `${LOGIN}/${world.tenantId}/oauth2/v2.0/authorize`,
    });
  });

  it("answers instance discovery with the public cloud's aliases", () => {
    const answer = get(
      `/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${LOGIN}/${world.tenantId}/oauth2/v2.0/authorize`)}`,
    );
    expect(answer.status).toBe(200);
    const json = body(answer) as { tenant_discovery_endpoint: string; metadata: Array<{ aliases: string[] }> };
    expect(json.tenant_discovery_endpoint).toBe(`${LOGIN}/${world.tenantId}/v2.0/.well-known/openid-configuration`);
    expect(json.metadata[0]?.aliases).toContain("login.windows.net");
  });

  it("gives an unknown tenant Entra's AADSTS90002 error body, on discovery and on the token endpoint", () => {
    const other = "11111111-2222-3333-4444-555555555555";
    for (const answer of [get(`/${other}/v2.0/.well-known/openid-configuration`), tokenRequest(CLIENT, other)]) {
      expect(answer.status).toBe(400);
      const json = body(answer);
      expect(json.error).toBe("invalid_tenant");
      expect(json.error_codes).toEqual([90002]);
      expect(json.error_description).toMatch(new RegExp(`^AADSTS90002: Tenant '${other}' not found\\.`));
      expect(json.error_description).toMatch(/Trace ID: .*\r\nCorrelation ID: .*\r\nTimestamp: /);
      for (const field of ["timestamp", "trace_id", "correlation_id"]) expect(typeof json[field]).toBe("string");
    }
  });

  it("issues an unsigned, JWT-shaped token with the claims clients read, for any client id and secret", () => {
    const before = Math.floor(Date.now() / 1000);
    const answer = tokenRequest(CLIENT);
    expect(answer.status).toBe(200);
    const json = body(answer) as { token_type: string; expires_in: number; access_token: string };
    expect(json.token_type).toBe("Bearer");
    expect(json.expires_in).toBeGreaterThan(3000);
    const { header, claims, signature } = jwtParts(json.access_token);
    expect(header.alg).toBe("none");
    expect(signature).toBe("");
    expect(claims).toMatchObject({
      tid: world.tenantId,
      oid: world.operator.objectId,
      appid: "any-app",
      aud: "https://management.azure.com",
      iss: `https://sts.windows.net/${world.tenantId}/`,
    });
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(claims.nbf).toBe(claims.iat);
    expect(Number(claims.exp) - Number(claims.iat)).toBe(json.expires_in);
  });

  it("keeps the Azure CLI's v1 resource form of the audience (management.core.windows.net/)", () => {
    const answer = tokenRequest({ ...CLIENT, scope: "https://management.core.windows.net//.default" });
    expect(jwtParts(String(body(answer).access_token)).claims.aud).toBe("https://management.core.windows.net/");
  });

  it("takes the client id from HTTP Basic credentials (client_secret_basic)", () => {
    const { client_id: _id, client_secret: _secret, ...rest } = CLIENT;
    const answer = tokenRequest(rest, world.tenantId, {
      authorization: `Basic ${Buffer.from("basic-app:secret").toString("base64")}`,
    });
    expect(jwtParts(String(body(answer).access_token)).claims.appid).toBe("basic-app");
  });

  it("refuses what Entra refuses, with its codes", () => {
    const cases: Array<[Record<string, string>, number, string, number]> = [
      [{ ...CLIENT, grant_type: "password" }, 400, "unsupported_grant_type", 70003],
      [{ grant_type: "client_credentials", client_secret: "s", scope: CLIENT.scope }, 400, "invalid_request", 900144],
      [{ grant_type: "client_credentials", client_id: "a", scope: CLIENT.scope }, 401, "invalid_client", 7000216],
      [{ ...CLIENT, scope: "https://management.azure.com/user_impersonation" }, 400, "invalid_scope", 1002012],
    ];
    for (const [fields, status, error, code] of cases) {
      const answer = tokenRequest(fields);
      expect(answer.status, JSON.stringify(fields)).toBe(status);
      expect(body(answer)).toMatchObject({ error, error_codes: [code] });
    }
  });

  it("says plainly what it does not simulate", () => {
    const answer = get(`/${world.tenantId}/oauth2/v2.0/devicecode`);
    expect(answer.status).toBe(404);
    expect(String(body(answer).error_description)).toMatch(/does not simulate/);
  });
});
