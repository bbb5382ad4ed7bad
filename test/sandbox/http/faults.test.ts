import { RestError } from "@azure/core-rest-pipeline";
import { describe, expect, it } from "vitest";
import { createSandboxHttpClient } from "../../../src/azure/sandbox-transport.js";
import { createSandboxHandler } from "../../../src/sandbox/handler.js";
import { memoryStore } from "../../../src/sandbox/store.js";
import { createWorld } from "../../../src/sandbox/scenarios.js";
import { sandboxClients } from "./clients.js";

describe("injected faults and latency", () => {
  it("a 429 with Retry-After is retried by the SDK, then the call succeeds; the fault is used up", async () => {
    const c = sandboxClients({
      mutate: (w) =>
        w.settings.faults.push({
          match: "Microsoft.ContainerRegistry/registries/",
          status: 429,
          retryAfterSeconds: 0,
          remaining: 2,
        }),
    });
    const before = c.store.read().counters.requests;
    const registry = await c.acr.registries.get(c.rg, c.registryName);
    expect(registry.name).toBe(c.registryName);
    expect(c.store.read().counters.requests - before).toBe(3);
    expect(c.store.read().settings.faults).toEqual([]);
  });

  it("a persistent 503 surfaces as a RestError after the SDK's retries", async () => {
    const c = sandboxClients({ mutate: (w) => w.settings.faults.push({ match: "/^GET .*vaults\\//", status: 503 }) });
    const error = await c.kv.vaults.get(c.rg, c.vaultName).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RestError);
    expect((error as RestError).statusCode).toBe(503);
    expect(c.store.read().settings.faults).toHaveLength(1);
  });

  it("delays each response by the configured latency", async () => {
    const c = sandboxClients({ mutate: (w) => (w.settings.latencyMs = 40) });
    const started = Date.now();
    await c.acr.registries.get(c.rg, c.registryName);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
  });
});

describe("the in-process transport", () => {
  it("honours an abort signal", async () => {
    const store = memoryStore(createWorld());
    const handler = createSandboxHandler({ store, latencyMs: 200 });
    const client = createSandboxHttpClient(handler);
    const { createPipelineRequest } = await import("@azure/core-rest-pipeline");
    const controller = new AbortController();
    const request = createPipelineRequest({
      url: `https://management.azure.com/subscriptions/${store.read().subscriptionId}/providers/Microsoft.ContainerRegistry/registries`,
      abortSignal: controller.signal,
    });
    const pending = client.sendRequest(request);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
  });

  it("answers an unknown host with a clear 404 rather than a crash", async () => {
    const handler = createSandboxHandler({ store: memoryStore(createWorld()) });
    const answer = await handler.handle({ method: "GET", url: "https://example.com/nothing", headers: {} });
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body!).error.code).toBe("SandboxRouteNotFound");
    expect(answer.headers["x-ms-request-id"]).toMatch(/[0-9a-f-]{36}/);
  });

  it("answers malformed JSON with ARM's 400 InvalidRequestContent", async () => {
    const store = memoryStore(createWorld());
    const world = store.read();
    const registry = Object.values(world.registries)[0]!;
    const handler = createSandboxHandler({ store });
    const answer = await handler.handle({
      method: "PATCH",
      url: `https://management.azure.com${registry.id}?api-version=2025-11-01`,
      headers: { authorization: "Bearer x", "content-type": "application/json" },
      body: "{not json",
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body!).error.code).toBe("InvalidRequestContent");
  });
});
