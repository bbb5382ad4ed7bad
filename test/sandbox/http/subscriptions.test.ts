// GET /subscriptions through the real SubscriptionClient: the world's one subscription, every field the SDK reads.
import { describe, expect, it } from "vitest";
import { SANDBOX_SUBSCRIPTION_NAME } from "../../../src/sandbox/http/subscriptions.js";
import { listAll, sandboxClients } from "./clients.js";

describe("subscriptions through SubscriptionClient", () => {
  it("lists the world's subscription with its tenant, state, policies and the ARM token scope", async () => {
    const c = sandboxClients();
    const all = await listAll(c.subscriptions.subscriptions.list());
    expect(all).toEqual([
      {
        id: `/subscriptions/${c.world.subscriptionId}`,
        subscriptionId: c.world.subscriptionId,
        tenantId: c.world.tenantId,
        displayName: SANDBOX_SUBSCRIPTION_NAME,
        state: "Enabled",
        authorizationSource: "RoleBased",
        managedByTenants: [],
        tags: {},
        subscriptionPolicies: {
          locationPlacementId: "Public_2014-09-01",
          quotaId: "PayAsYouGo_2014-09-01",
          spendingLimit: "Off",
        },
      },
    ]);
    expect(c.credential.scopes).toContain("https://management.azure.com/.default");
  });

  it("answers whatever api-version the client asks for", async () => {
    const c = sandboxClients();
    const { SubscriptionClient } = await import("@azure/arm-resources-subscriptions");
    const urls: string[] = [];
    const older = new SubscriptionClient(c.credential, {
      httpClient: { sendRequest: (request) => (urls.push(request.url), c.httpClient.sendRequest(request)) },
      apiVersion: "2016-06-01",
    });
    const all = await listAll(older.subscriptions.list());
    expect(urls).toEqual(["https://management.azure.com/subscriptions?api-version=2016-06-01"]);
    expect(all.map((s) => s.subscriptionId)).toEqual([c.world.subscriptionId]);
  });

  it("is retried through an injected 429 like any other ARM read, and writes nothing", async () => {
    const c = sandboxClients({
      mutate: (w) =>
        w.settings.faults.push({
          match: "/^GET [^?]*/subscriptions\\?/",
          status: 429,
          retryAfterSeconds: 0,
          remaining: 1,
        }),
    });
    const before = c.store.read().counters;
    const all = await listAll(c.subscriptions.subscriptions.list());
    expect(all).toHaveLength(1);
    const after = c.store.read().counters;
    expect(after.requests - before.requests).toBe(2);
    expect(after.writes).toBe(before.writes);
  });

  it("refuses other methods on /subscriptions with ARM's 405", async () => {
    const c = sandboxClients();
    const { createPipelineRequest } = await import("@azure/core-rest-pipeline");
    const response = await c.httpClient.sendRequest(
      createPipelineRequest({
        url: "https://management.azure.com/subscriptions?api-version=2022-12-01",
        method: "POST",
      }),
    );
    expect(response.status).toBe(405);
    expect(JSON.parse(response.bodyAsText ?? "{}")).toMatchObject({ error: { code: "MethodNotAllowed" } });
  });
});
