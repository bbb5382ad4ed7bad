// Requests as the Azure CLI (2.45) sends them, replayed against the sandbox's handler: the differences from Azure that
// the real `az` showed through `sandbox serve --proxy`. The bodies are the ones `az --debug` printed.
import { describe, expect, it } from "vitest";
import { createSandboxHandler } from "../../../src/sandbox/handler.js";
import { identityAccessMessage } from "../../../src/sandbox/health.js";
import { createWorld } from "../../../src/sandbox/scenarios.js";
import { memoryStore } from "../../../src/sandbox/store.js";

const ARM = "https://management.azure.com";

interface RegistryAnswer {
  error?: { code?: string; message?: string };
  identity?: { type?: string };
  status?: string;
  properties?: { provisioningState?: string; encryption?: { keyVaultProperties?: { identity?: string } } };
  value?: unknown[];
}

function setup() {
  const store = memoryStore(createWorld());
  const handler = createSandboxHandler({ store });
  const world = store.read();
  const registry = Object.values(world.registries)[0]!;
  const identity = Object.values(world.identities)[0]!;
  const send = async (method: string, url: string, body?: unknown) => {
    const answer = await handler.handle({
      method,
      url,
      headers: { authorization: "Bearer az", "content-type": "application/json" },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return {
      status: answer.status,
      headers: answer.headers,
      json: answer.body ? (JSON.parse(answer.body) as RegistryAnswer) : {},
    };
  };
  const registryUrl = `${ARM}${registry.id}?api-version=2022-02-01-preview`;
  /** The whole registry, as `az acr identity assign|remove` and `az acr encryption rotate-key` resend it. */
  const cliBody = (identityBlock: unknown) => ({
    location: registry.location,
    tags: {},
    sku: { name: "Premium" },
    identity: identityBlock,
    properties: {
      adminUserEnabled: false,
      encryption: {
        status: "enabled",
        keyVaultProperties: { keyIdentifier: registry.encryption.keyIdentifier, identity: identity.clientId },
      },
      publicNetworkAccess: "Enabled",
    },
  });
  return { store, world, registry, identity, send, registryUrl, cliBody };
}

describe("the sandbox answers the Azure CLI's requests as Azure does", () => {
  it("refuses rotate-key with the same key and identity after `az acr identity remove` of that identity", async () => {
    const { send, registryUrl, cliBody, identity, registry, store } = setup();
    // `az acr identity remove`: a PUT of the registry without the identity; refused, yet the identity is gone.
    const removed = await send("PUT", registryUrl, cliBody({ type: "None" }));
    expect(removed.status).toBe(400);
    // `az acr encryption rotate-key --key-encryption-key <same> --identity <same client id>`.
    const rotated = await send("PATCH", registryUrl, cliBody({ type: "None" }));
    expect(rotated.status).toBe(400);
    const message = String(rotated.json.error?.message);
    expect(message).toBe(identityAccessMessage(store.read().registries[registry.id.toLowerCase()]!, identity.clientId));
    expect(message).toMatch(/does not have access to identity .* Try forcibly adding the identity to the registry/);

    // `az acr identity assign --identities <the same identity>` (the documented fix), then rotate-key works again.
    const assigned = await send(
      "PATCH",
      registryUrl,
      cliBody({ type: "UserAssigned", userAssignedIdentities: { [identity.id]: {} } }),
    );
    expect([200, 201]).toContain(assigned.status);
    const again = await send(
      "PATCH",
      registryUrl,
      cliBody({ type: "UserAssigned", userAssignedIdentities: { [identity.id]: {} } }),
    );
    expect([200, 201]).toContain(again.status);
    expect(again.json.properties?.encryption?.keyVaultProperties?.identity).toBe(identity.clientId);
  });

  it("answers `az acr identity assign|remove`'s full-body PUT as ACR does: 201 Updating, the registry as it was", async () => {
    // Azure/azure-cli's recording test_acr_identity.yaml: every identity change, PUT (remove) or PATCH (assign), is a
    // 201 whose body is the registry before the change (provisioningState Updating), with an Azure-AsyncOperation URL.
    const { send, registryUrl, cliBody, identity } = setup();
    const users = { [identity.id]: {} };
    const put = await send(
      "PUT",
      registryUrl,
      cliBody({ type: "SystemAssigned, UserAssigned", userAssignedIdentities: users }),
    );
    expect(put.status).toBe(201);
    expect(put.json.properties?.provisioningState).toBe("Updating");
    expect(put.json.identity?.type).toBe("UserAssigned");
    const statusUrl = put.headers["azure-asyncoperation"];
    expect(statusUrl).toMatch(/\/operationStatuses\/registries-/);
    let status = await send("GET", String(statusUrl));
    for (let polls = 0; polls < 3 && status.json.status === "InProgress"; polls++)
      status = await send("GET", String(statusUrl));
    expect(status.json.status).toBe("Succeeded");
    const after = await send("GET", registryUrl);
    expect(after.json.identity?.type).toBe("SystemAssigned, UserAssigned");

    const removed = await send("PUT", registryUrl, cliBody({ type: "UserAssigned", userAssignedIdentities: users }));
    expect(removed.status).toBe(201);
    expect(removed.json.identity?.type).toBe("SystemAssigned, UserAssigned");
    expect((await send("GET", registryUrl)).json.identity?.type).toBe("UserAssigned");
  });

  it("lists no deleted managed HSMs (`az keyvault list-deleted` asks for vaults and HSMs)", async () => {
    const { send, world } = setup();
    const answer = await send(
      "GET",
      `${ARM}/subscriptions/${world.subscriptionId}/providers/Microsoft.KeyVault/deletedManagedHSMs?api-version=2022-07-01`,
    );
    expect(answer).toMatchObject({ status: 200, json: { value: [] } });
    const otherSubscription = await send(
      "GET",
      `${ARM}/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.KeyVault/deletedManagedHSMs?api-version=2022-07-01`,
    );
    expect(otherSubscription.status).toBe(404);
  });
});
