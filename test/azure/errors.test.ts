// RestErrors are built here the way the SDK clients build them: the modular clients (arm-containerregistry,
// arm-keyvault, keyvault-keys) through @azure-rest/core-client's createRestError plus their own `details`
// deserializer; the Node transport with the socket error's code; core-lro with its fixed failure text.
import { createRestError } from "@azure-rest/core-client";
import {
  createHttpHeaders,
  createPipelineRequest,
  RestError,
  type PipelineRequest,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { callAzure, errorBodyFacts, redactSecrets, toAzureFailure } from "../../src/azure/errors.js";
import { errorBodyPolicy, rememberedErrorBody } from "../../src/azure/port/error-bodies.js";
import { AzureFailure } from "../../src/azure/types.js";

const request = createPipelineRequest({ url: "https://kv-prod.vault.azure.net/keys/acr-key/?api-version=2025-07-01" });

/** What a modular client throws for an error status: createRestError, then `details` from its error deserializer. */
function modularError(
  status: number,
  body: unknown,
  details: unknown,
  headers: Record<string, string> = {},
): RestError {
  const error = createRestError({ status: String(status), body, headers, request } as never);
  error.details = details;
  return error;
}

/** keyvault-keys: its keyVaultErrorDeserializer renames innererror → innerError. */
function keyVaultError(status: number, code: string, message: string, inner?: string): RestError {
  const body = { error: { code, message, ...(inner ? { innererror: { code: inner } } : {}) } };
  return modularError(
    status,
    body,
    {
      error: {
        code,
        message,
        ...(inner ? { innerError: { code: inner, message: undefined, innerError: undefined } } : {}),
      },
    },
    { "x-ms-request-id": "req-123" },
  );
}

function armError(status: number, code: string, message: string): RestError {
  return modularError(
    status,
    { error: { code, message } },
    { error: { code, message } },
    { "x-ms-request-id": "arm-456" },
  );
}

describe("toAzureFailure: Key Vault data plane", () => {
  it("deleted or missing key → key-not-found, with status, code and request id", () => {
    const failure = toAzureFailure(
      keyVaultError(404, "KeyNotFound", "A key with (name/id) acr-key was not found in this key vault."),
      "get key kv-prod/acr-key",
    );
    expect(failure).toBeInstanceOf(AzureFailure);
    expect(failure.kind).toBe("key-not-found");
    expect(failure.details).toMatchObject({ statusCode: 404, code: "KeyNotFound", requestId: "req-123" });
    expect(failure.message).toMatch(/^get key kv-prod\/acr-key: A key with/);
  });

  // One generic code and message for every row: only the inner code can tell these causes apart.
  it.each([
    ["firewall", 403, "ForbiddenByFirewall", "forbidden-by-firewall"],
    ["revoked access policy", 403, "ForbiddenByPolicy", "forbidden-by-policy"],
    ["revoked access policy (older answer)", 403, "AccessDenied", "forbidden-by-policy"],
    ["revoked RBAC role", 403, "ForbiddenByRbac", "forbidden-by-rbac"],
    ["disabled key", 403, "KeyDisabled", "key-disabled"],
    ["reusing a soft-deleted key name", 409, "ObjectIsDeletedButRecoverable", "deleted-but-recoverable"],
  ] as const)("%s: %i with inner code %s → %s", (_what, status, inner, kind) => {
    const code = status === 409 ? "Conflict" : "Forbidden";
    const failure = toAzureFailure(keyVaultError(status, code, "Operation is not allowed.", inner), "x");
    expect(failure.kind).toBe(kind);
    expect(failure.details).toMatchObject({ statusCode: status, code, innerCode: inner });
  });

  it("reads the inner code from a raw body when the client left it as text", () => {
    const error = new RestError("Forbidden", {
      code: "Forbidden",
      statusCode: 403,
      request,
      response: {
        status: 403,
        request,
        headers: createHttpHeaders(),
        bodyAsText: JSON.stringify({ error: { code: "Forbidden", innererror: { code: "ForbiddenByRbac" } } }),
      },
    });
    expect(toAzureFailure(error, "x").kind).toBe("forbidden-by-rbac");
  });
});

describe("toAzureFailure: a paged list's error, which the SDK throws without its body", () => {
  const firewallBody = {
    error: {
      code: "Forbidden",
      message: "Client address is not authorized and caller is not a trusted service.",
      innererror: { code: "ForbiddenByFirewall" },
    },
  };

  /** The error-body policy sees the raw answer on its way through the pipeline. */
  async function throughPolicy(pageRequest: PipelineRequest, status: number, bodyAsText?: string): Promise<void> {
    const response: PipelineResponse = {
      request: pageRequest,
      status,
      headers: createHttpHeaders(),
      ...(bodyAsText === undefined ? {} : { bodyAsText }),
    };
    await errorBodyPolicy().sendRequest(pageRequest, () => Promise.resolve(response));
  }

  /** What buildPagedAsyncIterator's checkPagingRequest throws: a fixed message, the parsed body, no bodyAsText. */
  function pagingError(pageRequest: PipelineRequest, body: unknown): RestError {
    return createRestError(`Pagination failed with unexpected statusCode 403`, {
      status: "403",
      body,
      headers: {},
      request: pageRequest,
    } as never);
  }

  it("reads code, inner code and message from the body the policy kept against the request", async () => {
    const pageRequest = createPipelineRequest({ url: "https://kv-prod.vault.azure.net/keys/acr-key/versions" });
    await throughPolicy(pageRequest, 403, JSON.stringify(firewallBody));
    const failure = toAzureFailure(pagingError(pageRequest, firewallBody), "list versions of key kv-prod/acr-key");
    expect(failure.kind).toBe("forbidden-by-firewall");
    expect(failure.details).toMatchObject({ statusCode: 403, code: "Forbidden", innerCode: "ForbiddenByFirewall" });
    expect(failure.message).toBe(
      "list versions of key kv-prod/acr-key: Client address is not authorized and caller is not a trusted service.",
    );
  });

  it("without the policy's record the cause stays unknown (what the SDK alone gives)", () => {
    const pageRequest = createPipelineRequest({ url: "https://kv-prod.vault.azure.net/keys/acr-key/versions" });
    const failure = toAzureFailure(pagingError(pageRequest, firewallBody), "x");
    expect(failure.kind).toBe("unknown");
    expect(failure.message).toBe("x: Pagination failed with unexpected statusCode 403");
  });

  it("the policy keeps the last attempt's answer: a later success forgets an earlier error", async () => {
    const pageRequest = createPipelineRequest({ url: "https://kv-prod.vault.azure.net/keys/acr-key/versions" });
    await throughPolicy(pageRequest, 401, '{"error":{"code":"Unauthorized"}}');
    expect(rememberedErrorBody(pageRequest)).toBe('{"error":{"code":"Unauthorized"}}');
    await throughPolicy(pageRequest, 403, JSON.stringify(firewallBody));
    expect(rememberedErrorBody(pageRequest)).toBe(JSON.stringify(firewallBody));
    await throughPolicy(pageRequest, 200, '{"value":[]}');
    expect(rememberedErrorBody(pageRequest)).toBeUndefined();
    expect(rememberedErrorBody(undefined)).toBeUndefined();
  });

  it("a body that is not JSON adds nothing and breaks nothing", async () => {
    const pageRequest = createPipelineRequest({ url: "https://management.azure.com/subscriptions/s/providers/x" });
    await throughPolicy(pageRequest, 403, "<html>Forbidden</html>");
    const failure = toAzureFailure(pagingError(pageRequest, "<html>Forbidden</html>"), "x");
    expect(failure.kind).toBe("unknown");
    expect(failure.details).toMatchObject({ statusCode: 403, innerCode: undefined });
    expect(failure.message).toBe("x: Pagination failed with unexpected statusCode 403");
  });
});

describe("errorBodyFacts: the services' error shapes", () => {
  it("ARM and Key Vault: code, innermost inner code, message", () => {
    expect(
      errorBodyFacts({
        error: {
          code: "Forbidden",
          message: "m",
          innererror: { code: "ForbiddenByPolicy", innererror: { code: "X" } },
        },
      }),
    ).toEqual({ code: "Forbidden", innerCode: "X", message: "m" });
    expect(errorBodyFacts({ code: "Conflict", message: "bare" })).toEqual({ code: "Conflict", message: "bare" });
  });

  it("ACR's data plane: the first of its errors", () => {
    expect(
      errorBodyFacts({
        errors: [
          { code: "DENIED", message: "first", detail: null },
          { code: "UNAUTHORIZED", message: "second" },
        ],
      }),
    ).toEqual({ code: "DENIED", message: "first" });
    expect(errorBodyFacts({ errors: [] })).toEqual({});
  });

  it("anything else: nothing", () => {
    expect(errorBodyFacts(undefined)).toEqual({});
    expect(errorBodyFacts("text")).toEqual({});
    expect(errorBodyFacts({ error: { code: 42, message: "" } })).toEqual({});
  });
});

describe("toAzureFailure: Resource Manager", () => {
  it("missing registry or group → not-found", () => {
    expect(
      toAzureFailure(
        armError(404, "ResourceNotFound", "The Resource 'Microsoft.ContainerRegistry/registries/x' was not found."),
        "get registry",
      ).kind,
    ).toBe("not-found");
    expect(
      toAzureFailure(armError(404, "ResourceGroupNotFound", "Resource group 'rg' could not be found."), "get registry")
        .kind,
    ).toBe("not-found");
  });

  it("deleted vault lookups → deleted-vault-not-found", () => {
    expect(toAzureFailure(armError(404, "DeletedVaultNotFound", "does not exist"), "get deleted key vault").kind).toBe(
      "deleted-vault-not-found",
    );
    expect(toAzureFailure(armError(404, "SoftDeletedVaultDoesNotExist", "no"), "recover key vault").kind).toBe(
      "deleted-vault-not-found",
    );
  });

  it("ConflictError on a vault name → deleted-but-recoverable; elsewhere a plain conflict", () => {
    const error = armError(409, "ConflictError", "A vault with the same name already exists in deleted state.");
    expect(toAzureFailure(error, "recover key vault rg/kv").kind).toBe("deleted-but-recoverable");
    expect(toAzureFailure(error, "assign identities to registry rg/r").kind).toBe("conflict");
  });

  it("the operator's own missing rights → authorization-failed", () => {
    expect(
      toAzureFailure(armError(403, "AuthorizationFailed", "The client 'x' does not have authorization"), "x").kind,
    ).toBe("authorization-failed");
  });

  it("ACR's refusal to drop the encryption identity → identity-inaccessible (no code is published)", () => {
    const message =
      "Azure resource '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r' does not have access to identity 'c1' Try forcibly adding the identity to the registry r.";
    expect(toAzureFailure(armError(400, "BadRequest", message), "remove identities from registry").kind).toBe(
      "identity-inaccessible",
    );
    expect(toAzureFailure(armError(400, "BadRequest", "The registry name is invalid"), "x").kind).toBe("bad-request");
  });

  it("throttling after the SDK's retries → throttled; server errors → unavailable", () => {
    expect(toAzureFailure(armError(429, "TooManyRequests", "slow down"), "x").kind).toBe("throttled");
    expect(toAzureFailure(armError(503, "ServiceUnavailable", "busy"), "x").kind).toBe("unavailable");
    expect(toAzureFailure(armError(500, "InternalServerError", "oops"), "x").kind).toBe("unavailable");
  });

  it("a failed long-running operation (core-lro's own text) keeps its code", () => {
    const error = new Error(
      "The long-running operation has failed. BadRequest. Azure resource 'r' does not have access to identity 'c1' Try forcibly adding the identity to the registry r.",
    );
    const failure = toAzureFailure(error, "remove identities from registry rg/r");
    expect(failure.kind).toBe("identity-inaccessible");
    expect(failure.details.code).toBe("BadRequest");
    expect(
      toAzureFailure(new Error("The long-running operation has failed. InternalServerError. boom"), "x").kind,
    ).toBe("unavailable");
  });
});

describe("toAzureFailure: no answer, no token", () => {
  it("a deleted vault's DNS failure → network", () => {
    const error = new RestError("getaddrinfo ENOTFOUND kv-prod.vault.azure.net", { code: "ENOTFOUND", request });
    expect(toAzureFailure(error, "get key").kind).toBe("network");
    const send = new RestError("socket hang up", { code: RestError.REQUEST_SEND_ERROR, request });
    expect(toAzureFailure(send, "get key").kind).toBe("network");
  });

  it("a bare socket error → network", () => {
    const error = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:443"), { code: "ECONNREFUSED" });
    expect(toAzureFailure(error, "x").kind).toBe("network");
  });

  it("credential errors → auth", () => {
    const unavailable = Object.assign(new Error("DefaultAzureCredential failed to retrieve a token"), {
      name: "CredentialUnavailableError",
    });
    expect(toAzureFailure(unavailable, "get registry").kind).toBe("auth");
    expect(toAzureFailure(Object.assign(new Error("AADSTS7000215"), { name: "AuthenticationError" }), "x").kind).toBe(
      "auth",
    );
  });

  it("keeps the original error and passes AzureFailures through", () => {
    const error = armError(404, "ResourceNotFound", "gone");
    expect(toAzureFailure(error, "x").details.original).toBe(error);
    const failure = new AzureFailure("already typed", "conflict");
    expect(toAzureFailure(failure, "x")).toBe(failure);
  });
});

describe("secrets never reach a message", () => {
  it("redacts bearer tokens, JWTs and token parameters", () => {
    const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
    const text = `Authorization: Bearer abc.def-ghi refresh_token=secret123&x=1 token ${jwt}`;
    const redacted = redactSecrets(text);
    expect(redacted).not.toContain("abc.def-ghi");
    expect(redacted).not.toContain("secret123");
    expect(redacted).not.toContain(jwt);
    const failure = toAzureFailure(armError(401, "InvalidAuthenticationToken", `bad token Bearer ${jwt}`), "x");
    expect(failure.message).not.toContain(jwt);
    expect(failure.kind).toBe("auth");
  });
});

describe("callAzure", () => {
  it("turns SDK errors into AzureFailures", async () => {
    await expect(
      callAzure("get key", () => Promise.reject(keyVaultError(404, "KeyNotFound", "gone"))),
    ).rejects.toMatchObject({
      name: "AzureFailure",
      kind: "key-not-found",
    });
  });

  it("lets aborts and bad input through unchanged", async () => {
    const abort = Object.assign(new Error("The operation was aborted."), { name: "AbortError" });
    await expect(callAzure("x", () => Promise.reject(abort))).rejects.toBe(abort);
    const usage = new UsageError("bad input");
    await expect(callAzure("x", () => Promise.reject(usage))).rejects.toBe(usage);
  });
});
