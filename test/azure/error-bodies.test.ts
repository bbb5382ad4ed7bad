// Error bodies the SDK would lose, read back through the real SDK clients with a scripted HttpClient: the modular
// clients' paging helper (Key Vault key versions, ARM registry and vault lists) throws a RestError without the body,
// and ACR's data plane answers in the Docker registry v2 shape.
import { describe, expect, it } from "vitest";
import type { RegistryInfo } from "../../src/azure/types.js";
import { failureOf, scriptedPort, SUB, TENANT, type Answer, type Route } from "./scripted-http.js";

const VAULT_URL = "https://kv-prod.vault.azure.net/";
const CALLER = `appid=11111111-0000-0000-0000-000000000001;oid=22222222-0000-0000-0000-000000000002;iss=https://sts.windows.net/${TENANT}/`;
const FIREWALL_MESSAGE = `Client address is not authorized and caller is not a trusted service.\r\nClient address: 20.111.13.60\r\nCaller: ${CALLER}\r\nVault: kv-prod;location=westeurope`;

const port = (routes: Route[]) => scriptedPort(routes).azure;

/** Key Vault's bearer challenge (Azure/azure-sdk-for-js keyvault-common keyVaultAuthenticationPolicy): no token at first. */
const keyVaultChallenge: Route = (request) =>
  request.url.startsWith(VAULT_URL) && !request.headers.get("authorization")
    ? {
        status: 401,
        body: { error: { code: "Unauthorized", message: "Request is missing a Bearer or PoP token." } },
        headers: {
          "www-authenticate": `Bearer authorization="https://login.windows.net/${TENANT}", resource="https://vault.azure.net"`,
        },
      }
    : undefined;

const keyVaultForbidden =
  (inner: string, message: string): Route =>
  (request) =>
    new URL(request.url).pathname.startsWith("/keys/acr-key/versions")
      ? { status: 403, body: { error: { code: "Forbidden", message, innererror: { code: inner } } } }
      : undefined;

describe("paged Key Vault lists keep the error body", () => {
  it("key versions behind the vault firewall → forbidden-by-firewall, with Key Vault's own message", async () => {
    const azure = port([keyVaultChallenge, keyVaultForbidden("ForbiddenByFirewall", FIREWALL_MESSAGE)]);
    const failure = await failureOf(azure.listKeyVersions(VAULT_URL, "acr-key"));
    expect(failure.kind).toBe("forbidden-by-firewall");
    expect(failure.details).toMatchObject({ statusCode: 403, code: "Forbidden", innerCode: "ForbiddenByFirewall" });
    expect(failure.message).toContain("Client address is not authorized and caller is not a trusted service.");
    expect(failure.message).not.toContain("Pagination failed");
  });

  it("key versions without an access policy or a role → forbidden-by-policy / forbidden-by-rbac", async () => {
    const policy = port([
      keyVaultChallenge,
      keyVaultForbidden(
        "ForbiddenByPolicy",
        `The user, group or application '${CALLER}' does not have keys list permission on key vault 'kv-prod;location=westeurope'.`,
      ),
    ]);
    expect((await failureOf(policy.listKeyVersions(VAULT_URL, "acr-key"))).kind).toBe("forbidden-by-policy");
    const rbac = port([
      keyVaultChallenge,
      keyVaultForbidden("ForbiddenByRbac", "Caller is not authorized to perform action on resource."),
    ]);
    expect((await failureOf(rbac.listKeyVersions(VAULT_URL, "acr-key"))).kind).toBe("forbidden-by-rbac");
  });

  it("a later page that fails is read the same way as the first", async () => {
    const azure = port([
      keyVaultChallenge,
      (request) => {
        const url = new URL(request.url);
        if (url.pathname !== "/keys/acr-key/versions") return undefined;
        if (!url.searchParams.has("$skiptoken")) {
          return {
            status: 200,
            body: {
              value: [
                { kid: `${VAULT_URL}keys/acr-key/6fc2be54c6be4a7ea7bbb8a2a99a1996`, attributes: { enabled: true } },
              ],
              nextLink: `${VAULT_URL}keys/acr-key/versions?api-version=2025-07-01&$skiptoken=page2`,
            },
          };
        }
        return {
          status: 403,
          body: {
            error: { code: "Forbidden", message: "Operation is not allowed.", innererror: { code: "KeyDisabled" } },
          },
        };
      },
    ]);
    expect((await failureOf(azure.listKeyVersions(VAULT_URL, "acr-key"))).kind).toBe("key-disabled");
  });
});

describe("paged Resource Manager lists keep the error body", () => {
  const denied = (action: string): Answer => ({
    status: 403,
    body: {
      error: {
        code: "AuthorizationFailed",
        message: `The client 'oncall@contoso.com' with object id '22222222-0000-0000-0000-000000000002' does not have authorization to perform action '${action}' over scope '/subscriptions/${SUB}'.`,
      },
    },
  });

  it("registries: the operator's missing read right, in ARM's words", async () => {
    const azure = port([() => denied("Microsoft.ContainerRegistry/registries/read")]);
    const failure = await failureOf(azure.listRegistries());
    expect(failure.kind).toBe("authorization-failed");
    expect(failure.details).toMatchObject({ statusCode: 403, code: "AuthorizationFailed" });
    expect(failure.message).toContain("does not have authorization to perform action");
    expect(failure.message).not.toContain("Pagination failed");
  });

  it("vaults and deleted vaults: the same", async () => {
    const azure = port([() => denied("Microsoft.KeyVault/vaults/read")]);
    for (const call of [azure.findVaultByName("kv-prod"), azure.findDeletedVault("kv-prod")]) {
      const failure = await failureOf(call);
      expect(failure.kind).toBe("authorization-failed");
      expect(failure.message).toContain("Microsoft.KeyVault/vaults/read");
    }
  });
});

describe("the registry data plane's answer as readable text", () => {
  const registry: RegistryInfo = {
    id: `/subscriptions/${SUB}/resourceGroups/rg-prod/providers/Microsoft.ContainerRegistry/registries/contoso01`,
    name: "contoso01",
    resourceGroup: "rg-prod",
    location: "westeurope",
    sku: "Premium",
    loginServer: "contoso01.azurecr.io",
    identity: { type: "UserAssigned", userAssigned: [] },
    encryption: { status: "enabled" },
  };
  const catalog =
    (answer: Answer): Route =>
    (request) =>
      new URL(request.url).pathname === "/acr/v1/_catalog" ? answer : undefined;

  it("the first of ACR's errors: its code and message, the status kept, tokens redacted", async () => {
    const azure = port([
      catalog({
        status: 403,
        body: {
          errors: [
            {
              code: "DENIED",
              message:
                "The identity associated with the registry is inactive. Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
              detail: null,
            },
            { code: "UNAUTHORIZED", message: "second error", detail: null },
          ],
        },
      }),
    ]);
    const check = await azure.checkRegistryDataPlane(registry);
    expect(check).toEqual({
      ok: false,
      status: 403,
      code: "DENIED",
      message: "The identity associated with the registry is inactive. Bearer [redacted]",
    });
  });

  it("a body that is not ACR's JSON is kept short and on one line", async () => {
    const page = `<html>\n<body>${"Bad gateway ".repeat(100)}</body>\n</html>`;
    const azure = port([catalog({ status: 404, text: page })]);
    const check = await azure.checkRegistryDataPlane(registry);
    expect(check.ok).toBe(false);
    expect(check.status).toBe(404);
    expect(check.message).not.toContain("\n");
    expect(check.message?.length).toBeLessThanOrEqual(301);
    expect(check.message).toMatch(/^<html> <body>Bad gateway/);
  });
});
