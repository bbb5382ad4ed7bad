// The sandbox's Resource Graph endpoint, container-group reads and per-subscription read budget, over the handler.
import { describe, expect, it } from "vitest";
import { FLEET_QUERY } from "../../../src/azure/resource-graph.js";
import { createSandboxHandler } from "../../../src/sandbox/handler.js";
import { createWorld, memoryStore, type World } from "../../../src/sandbox/index.js";

const ARG = "https://management.azure.com/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01";

function fleet(): World {
  return createWorld({ registries: 12, containerGroups: 4, subscriptions: 3, keys: 3 });
}

async function post(world: World, body: unknown, store = memoryStore(world)) {
  const handler = createSandboxHandler({ store });
  const res = await handler.handle({
    method: "POST",
    url: ARG,
    headers: { "content-type": "application/json", authorization: "Bearer x" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: JSON.parse(res.body ?? "{}") as Record<string, unknown>, store };
}

describe("Resource Graph: POST /providers/Microsoft.ResourceGraph/resources", () => {
  it("answers the fleet query with every CMK registry, container group and vault, paged by $skipToken", async () => {
    const world = fleet();
    const store = memoryStore(world);
    const seen: Array<Record<string, unknown>> = [];
    let skipToken: string | undefined;
    let pages = 0;
    do {
      const page = await post(
        world,
        { query: FLEET_QUERY, options: { $top: 7, ...(skipToken ? { $skipToken: skipToken } : {}) } },
        store,
      );
      expect(page.status).toBe(200);
      expect(page.body.totalRecords).toBe(19);
      seen.push(...(page.body.data as Array<Record<string, unknown>>));
      skipToken = page.body.$skipToken as string | undefined;
      pages += 1;
    } while (skipToken);
    expect(pages).toBe(3);
    const types = seen.map((r) => r.type);
    expect(types.filter((t) => t === "microsoft.containerregistry/registries")).toHaveLength(12);
    expect(types.filter((t) => t === "microsoft.containerinstance/containergroups")).toHaveLength(4);
    expect(types.filter((t) => t === "microsoft.keyvault/vaults")).toHaveLength(3);
    expect(new Set(seen.map((r) => r.subscriptionId)).size).toBe(3);
    const group = seen.find((r) => r.type === "microsoft.containerinstance/containergroups") as {
      properties: { encryptionProperties: Record<string, string> };
    };
    expect(Object.keys(group.properties.encryptionProperties).sort()).toEqual([
      "identity",
      "keyName",
      "keyVersion",
      "vaultBaseUrl",
    ]);
    // A query is a read: no write counted.
    expect(store.read().counters.writes).toBe(0);
  });

  it("leaves out the subscriptions the caller cannot read, as Resource Graph does", async () => {
    const world = fleet();
    const hidden = world.subscriptions?.[0];
    if (!hidden) throw new Error("fleet world without a second subscription");
    hidden.readable = false;
    const page = await post(world, { query: FLEET_QUERY, options: { $top: 1000 } });
    const subs = new Set((page.body.data as Array<{ subscriptionId: string }>).map((r) => r.subscriptionId));
    expect(subs.has(hidden.subscriptionId.toLowerCase())).toBe(false);
    expect(subs.size).toBe(2);
  });

  it("refuses a query it does not simulate, naming the ones it does", async () => {
    const page = await post(fleet(), { query: "resources | where type =~ 'microsoft.web/sites'" });
    expect(page.status).toBe(400);
    const error = page.body.error as { code: string; message: string };
    expect(error.code).toBe("NotSimulated");
    expect(error.message).toMatch(/does not simulate this Resource Graph query.*CMK fleet/);
  });

  it("refuses a malformed body with ARM's 400", async () => {
    const page = await post(fleet(), { options: {} });
    expect(page.status).toBe(400);
    expect((page.body.error as { code: string }).code).toBe("InvalidRequestContent");
  });
});

describe("Resource Manager's read budget per subscription", () => {
  it("answers 429 with Retry-After once the bucket is empty, and counts down the remaining reads", async () => {
    const world = fleet();
    world.settings.readBudget = { bucket: 3, refillPerSecond: 0.001 };
    const handler = createSandboxHandler({ store: memoryStore(world) });
    const url = `https://management.azure.com/subscriptions/${world.subscriptionId}/providers/Microsoft.ContainerRegistry/registries?api-version=2025-11-01`;
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await handler.handle({ method: "GET", url, headers: {} }));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(answers.map((a) => a.headers["x-ms-ratelimit-remaining-subscription-reads"])).toEqual(["2", "1", "0", "0"]);
    const throttled = answers[3];
    expect(Number(throttled?.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(throttled?.body ?? "{}").error.code).toBe("SubscriptionRequestsThrottled");
    // Another subscription has its own bucket.
    const other = world.subscriptions?.[0]?.subscriptionId;
    const elsewhere = await handler.handle({
      method: "GET",
      url: url.replace(world.subscriptionId, other ?? ""),
      headers: {},
    });
    expect(elsewhere.status).toBe(200);
  });

  it("answers AuthorizationFailed for a subscription the operator holds no role in, and does not list it", async () => {
    const world = fleet();
    const hidden = world.subscriptions?.[1];
    if (!hidden) throw new Error("no third subscription");
    hidden.readable = false;
    const handler = createSandboxHandler({ store: memoryStore(world) });
    const list = await handler.handle({
      method: "GET",
      url: "https://management.azure.com/subscriptions?api-version=2022-12-01",
      headers: {},
    });
    const ids = (JSON.parse(list.body ?? "{}").value as Array<{ subscriptionId: string }>).map((s) => s.subscriptionId);
    expect(ids).toHaveLength(2);
    expect(ids).not.toContain(hidden.subscriptionId);
    const read = await handler.handle({
      method: "GET",
      url: `https://management.azure.com/subscriptions/${hidden.subscriptionId}/providers/Microsoft.ContainerInstance/containerGroups?api-version=2023-05-01`,
      headers: {},
    });
    expect(read.status).toBe(403);
    expect(JSON.parse(read.body ?? "{}").error.code).toBe("AuthorizationFailed");
  });

  it("serves container groups by subscription with their encryptionProperties", async () => {
    const world = fleet();
    const handler = createSandboxHandler({ store: memoryStore(world) });
    const res = await handler.handle({
      method: "GET",
      url: `https://management.azure.com/subscriptions/${world.subscriptionId}/providers/Microsoft.ContainerInstance/containerGroups?api-version=2023-05-01`,
      headers: {},
    });
    const groups = JSON.parse(res.body ?? "{}").value as Array<{
      id: string;
      properties: { encryptionProperties: { keyVersion: string } };
    }>;
    expect(groups.length).toBeGreaterThan(0);
    for (const g of groups) {
      expect(g.id.toLowerCase()).toContain(world.subscriptionId.toLowerCase());
      expect(g.properties.encryptionProperties.keyVersion).toMatch(/^[0-9a-f]{32}$/);
    }
  });
});
