import { describe, expect, it } from "vitest";
import { createCmkAzure } from "../../src/azure/cmk-azure.js";
import { createInProcessAzure } from "../../src/azure/factory.js";
import { AzureFailure } from "../../src/azure/types.js";
import type { InProcessRequest } from "../../src/azure/sandbox-transport.js";

const SUBSCRIPTION = "00000000-1111-2222-3333-444444444444";

describe("createInProcessAzure", () => {
  it("sends the real SDK clients' requests, real Azure URLs and bearer token included, to any { handle(request) }", async () => {
    const seen: InProcessRequest[] = [];
    const azure = createInProcessAzure({
      subscriptionId: SUBSCRIPTION,
      place: { kind: "sandbox" },
      service: {
        async handle(request) {
          seen.push(request);
          return {
            status: 404,
            headers: { "content-type": "application/json", "x-ms-request-id": "req-1" },
            body: JSON.stringify({ error: { code: "ResourceNotFound", message: "The Resource was not found." } }),
          };
        },
      },
    });
    const failure = await azure.getRegistry({ resourceGroup: "rg", name: "contoso01" }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AzureFailure);
    expect((failure as AzureFailure).kind).toBe("not-found");
    expect(seen).toHaveLength(1);
    expect(seen[0]?.method).toBe("GET");
    expect(seen[0]?.url).toMatch(
      /^https:\/\/management\.azure\.com\/subscriptions\/00000000-1111-2222-3333-444444444444\/resourceGroups\/rg\/providers\/Microsoft\.ContainerRegistry\/registries\/contoso01\?api-version=/,
    );
    expect(seen[0]?.headers.authorization).toMatch(/^Bearer /);
  });

  it("a service that throws a system error (ENOTFOUND) reaches the port as a network failure, not a status", async () => {
    const azure = createInProcessAzure({
      subscriptionId: SUBSCRIPTION,
      place: { kind: "sandbox" },
      service: {
        handle: () =>
          Promise.reject(
            Object.assign(new Error("getaddrinfo ENOTFOUND kv-gone.vault.azure.net"), { code: "ENOTFOUND" }),
          ),
      },
    });
    const failure = await azure.getKey("https://kv-gone.vault.azure.net/", "acr-cmk").catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AzureFailure);
    expect((failure as AzureFailure).kind).toBe("network");
    expect((failure as AzureFailure).message).toContain("ENOTFOUND");
  });
});

describe("credential failures", () => {
  it("surface at the first call as AzureFailure kind auth", async () => {
    const azure = createCmkAzure({
      subscriptionId: SUBSCRIPTION,
      credential: {
        getToken: () =>
          Promise.reject(
            Object.assign(new Error("DefaultAzureCredential failed to retrieve a token"), {
              name: "CredentialUnavailableError",
            }),
          ),
      },
      retryOptions: { maxRetries: 0 },
      httpClient: { sendRequest: () => Promise.reject(new Error("no request may be sent without a token")) },
    });
    const failure = await azure.getRegistry({ resourceGroup: "rg", name: "contoso01" }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AzureFailure);
    expect((failure as AzureFailure).kind).toBe("auth");
  });

  it("refuses a subscription id that is not a GUID", () => {
    expect(() =>
      createCmkAzure({ subscriptionId: "prod", credential: { getToken: () => Promise.resolve(null) } }),
    ).toThrow(/subscription id must be a GUID/);
  });
});
