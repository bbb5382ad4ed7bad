// What the port puts on the wire, checked with a recording HttpClient under the real SDK clients: the bodies the az CLI
// would send (Azure/azure-cli src/azure-cli/azure/cli/command_modules/acr/custom.py and keyvault/custom.py), scopes without a doubled slash, and the audit records.
import type { PipelineRequest } from "@azure/core-rest-pipeline";
import { describe, expect, it } from "vitest";
import type { ResponseRecord } from "../../src/azure/cmk-azure.js";
import { InvalidRequestError } from "../../src/azure/errors.js";
import { failureOf, scriptedPort as port, SUB, TENANT } from "./scripted-http.js";

const RG = "rg-prod";
const REGISTRY = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ContainerRegistry/registries/contoso01`;
const UAI = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/acr-cmk-id`;
const UAI2 = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/other-id`;
const CLIENT_ID = "c1c1c1c1-0000-0000-0000-000000000001";
const VERSION = "6fc2be54c6be4a7ea7bbb8a2a99a1996";

function registryBody(
  identity: unknown,
  encryption: unknown = {
    status: "enabled",
    keyVaultProperties: { keyIdentifier: "https://kv-prod.vault.azure.net/keys/acr-key", identity: CLIENT_ID },
  },
) {
  return {
    id: REGISTRY,
    name: "contoso01",
    type: "Microsoft.ContainerRegistry/registries",
    location: "westeurope",
    sku: { name: "Premium", tier: "Premium" },
    identity,
    properties: { loginServer: "contoso01.azurecr.io", provisioningState: "Succeeded", encryption },
  };
}

const path = (request: PipelineRequest) => new URL(request.url).pathname;

describe("registry identity writes", () => {
  const twoIdentities = {
    type: "SystemAssigned, UserAssigned",
    principalId: "p0",
    tenantId: TENANT,
    userAssignedIdentities: { [UAI]: { principalId: "p1", clientId: CLIENT_ID } },
  };

  it("assign PATCHes the merged identity dictionary, every identity as {} (az acr identity assign)", async () => {
    const { azure, sent } = port([
      (req) =>
        req.method === "GET" && path(req) === REGISTRY ? { status: 200, body: registryBody(twoIdentities) } : undefined,
      (req) =>
        req.method === "PATCH" && path(req) === REGISTRY
          ? { status: 200, body: registryBody({ ...twoIdentities, userAssignedIdentities: { [UAI]: {}, [UAI2]: {} } }) }
          : undefined,
    ]);
    const result = await azure.assignRegistryIdentities(
      { resourceGroup: RG, name: "contoso01" },
      { userAssigned: [UAI2] },
    );
    const patch = sent.find((s) => s.method === "PATCH");
    expect(patch?.body).toEqual({
      identity: { type: "SystemAssigned, UserAssigned", userAssignedIdentities: { [UAI]: {}, [UAI2]: {} } },
    });
    expect(new URL(patch?.url ?? "").searchParams.get("api-version")).toBeTruthy();
    expect(result.identity.userAssigned.map((i) => i.id)).toEqual([UAI, UAI2]);
  });

  it("assign does nothing when the identity is already there (a resumed change)", async () => {
    const { azure, sent } = port([
      (req) => (req.method === "GET" ? { status: 200, body: registryBody(twoIdentities) } : undefined),
    ]);
    await azure.assignRegistryIdentities(
      { resourceGroup: RG, name: "contoso01" },
      { userAssigned: [UAI.toLowerCase()] },
    );
    expect(sent.map((s) => s.method)).toEqual(["GET"]);
  });

  it("remove PATCHes {<id>: null} and keeps the system identity", async () => {
    const { azure, sent } = port([
      (req) => (req.method === "GET" ? { status: 200, body: registryBody(twoIdentities) } : undefined),
      (req) =>
        req.method === "PATCH"
          ? { status: 200, body: registryBody({ type: "SystemAssigned", principalId: "p0", tenantId: TENANT }) }
          : undefined,
    ]);
    const result = await azure.removeRegistryIdentities(
      { resourceGroup: RG, name: "contoso01" },
      { userAssigned: [UAI] },
    );
    expect(sent.find((s) => s.method === "PATCH")?.body).toEqual({
      identity: { type: "SystemAssigned", userAssignedIdentities: { [UAI]: null } },
    });
    expect(result.identity.type).toBe("SystemAssigned");
  });

  it("ACR's refusal to remove the encryption identity surfaces as identity-inaccessible", async () => {
    const { azure } = port([
      (req) => (req.method === "GET" ? { status: 200, body: registryBody(twoIdentities) } : undefined),
      (req) =>
        req.method === "PATCH"
          ? {
              status: 400,
              body: {
                error: {
                  code: "BadRequest",
                  message: `Azure resource '${REGISTRY}' does not have access to identity '${CLIENT_ID}' Try forcibly adding the identity to the registry contoso01.`,
                },
              },
            }
          : undefined,
    ]);
    await expect(
      azure.removeRegistryIdentities({ resourceGroup: RG, name: "contoso01" }, { userAssigned: [UAI] }),
    ).rejects.toMatchObject({ name: "AzureFailure", kind: "identity-inaccessible", details: { statusCode: 400 } });
  });

  it("refuses locally to remove an identity the registry does not have, as az does", async () => {
    const { azure, sent } = port([
      (req) => (req.method === "GET" ? { status: 200, body: registryBody(twoIdentities) } : undefined),
    ]);
    await expect(
      azure.removeRegistryIdentities({ resourceGroup: RG, name: "contoso01" }, { userAssigned: [UAI2] }),
    ).rejects.toThrow(InvalidRequestError);
    expect(sent.some((s) => s.method === "PATCH")).toBe(false);
  });
});

describe("rotate key", () => {
  it("PATCHes encryption.keyVaultProperties {keyIdentifier, identity}, resolving a UAI id to its client id", async () => {
    const { azure, sent } = port([
      (req) =>
        req.method === "GET" && path(req).includes("userAssignedIdentities")
          ? {
              status: 200,
              body: {
                id: UAI,
                name: "acr-cmk-id",
                location: "westeurope",
                properties: { tenantId: TENANT, principalId: "p1", clientId: CLIENT_ID },
              },
            }
          : undefined,
      (req) =>
        req.method === "GET"
          ? { status: 200, body: registryBody({ type: "UserAssigned", userAssignedIdentities: { [UAI]: {} } }) }
          : undefined,
      (req) => (req.method === "PATCH" ? { status: 200, body: registryBody({ type: "UserAssigned" }) } : undefined),
    ]);
    const kid = `https://kv-prod.vault.azure.net/keys/acr-key/${VERSION}`;
    await azure.rotateRegistryKey({ resourceGroup: RG, name: "contoso01" }, { keyIdentifier: kid, identity: UAI });
    expect(sent.find((s) => s.method === "PATCH")?.body).toEqual({
      properties: {
        encryption: { status: "enabled", keyVaultProperties: { keyIdentifier: kid, identity: CLIENT_ID } },
      },
    });
  });

  it("sends the reserved word 'system' for [system]", async () => {
    const { azure, sent } = port([
      (req) => (req.method === "GET" ? { status: 200, body: registryBody({ type: "SystemAssigned" }) } : undefined),
      (req) => (req.method === "PATCH" ? { status: 200, body: registryBody({ type: "SystemAssigned" }) } : undefined),
    ]);
    await azure.rotateRegistryKey(
      { resourceGroup: RG, name: "contoso01" },
      { keyIdentifier: "https://kv-prod.vault.azure.net/keys/acr-key", identity: "[system]" },
    );
    const body = sent.find((s) => s.method === "PATCH")?.body as {
      properties: { encryption: { keyVaultProperties: { identity: string } } };
    };
    expect(body.properties.encryption.keyVaultProperties.identity).toBe("system");
  });

  it("refuses a registry without CMK and a malformed key id before any write", async () => {
    const { azure, sent } = port([
      (req) =>
        req.method === "GET"
          ? { status: 200, body: registryBody({ type: "None" }, { status: "disabled" }) }
          : undefined,
    ]);
    const ref = { resourceGroup: RG, name: "contoso01" };
    await expect(
      azure.rotateRegistryKey(ref, {
        keyIdentifier: "https://kv-prod.vault.azure.net/keys/acr-key",
        identity: CLIENT_ID,
      }),
    ).rejects.toThrow(/only applicable to registries with CMK enabled/);
    await expect(
      azure.rotateRegistryKey(ref, { keyIdentifier: "kv-prod/acr-key", identity: CLIENT_ID }),
    ).rejects.toThrow(/invalid key id/);
    expect(sent.some((s) => s.method === "PATCH")).toBe(false);
  });
});

describe("vaults and role assignments", () => {
  it("recovers a vault with PUT createMode recover, location, tenant and sku", async () => {
    const vault = {
      id: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.KeyVault/vaults/kv-prod`,
      name: "kv-prod",
      location: "westeurope",
      properties: {
        tenantId: TENANT,
        sku: { family: "A", name: "standard" },
        vaultUri: "https://kv-prod.vault.azure.net/",
        provisioningState: "Succeeded",
      },
    };
    const { azure, sent } = port([(req) => (req.method === "PUT" ? { status: 200, body: vault } : undefined)]);
    const result = await azure.recoverDeletedVault({
      resourceGroup: RG,
      name: "kv-prod",
      location: "westeurope",
      tenantId: TENANT,
    });
    expect(sent[0]?.body).toEqual({
      location: "westeurope",
      properties: { tenantId: TENANT, sku: { family: "A", name: "standard" }, createMode: "recover" },
    });
    expect(result.vaultUri).toBe("https://kv-prod.vault.azure.net/");
  });

  it("lists role assignments at the vault scope without a doubled slash, filtered by principal", async () => {
    const scope = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.KeyVault/vaults/kv-prod`;
    const { azure, sent } = port([(req) => (req.method === "GET" ? { status: 200, body: { value: [] } } : undefined)]);
    await azure.listRoleAssignments(scope, { principalId: "11111111-2222-3333-4444-555555555555" });
    const url = new URL(sent[0]?.url ?? "");
    expect(url.pathname).toBe(`${scope}/providers/Microsoft.Authorization/roleAssignments`);
    expect(url.searchParams.get("$filter")).toBe("principalId eq '11111111-2222-3333-4444-555555555555'");
  });
});

describe("keys and audit", () => {
  it("clears a key's expiry with exp: null after Key Vault's challenge, and reports every response", async () => {
    const records: ResponseRecord[] = [];
    const keyBundle = {
      key: {
        kid: `https://kv-prod.vault.azure.net/keys/acr-key/${VERSION}`,
        kty: "RSA",
        key_ops: ["wrapKey", "unwrapKey"],
      },
      attributes: { enabled: true, created: 1700000000, updated: 1700000000, recoveryLevel: "Recoverable" },
    };
    const { azure, sent } = port(
      [
        (req) =>
          !req.headers.get("authorization")
            ? {
                status: 401,
                body: { error: { code: "Unauthorized", message: "Request is missing a Bearer or PoP token." } },
                headers: {
                  "www-authenticate": `Bearer authorization="https://login.windows.net/${TENANT}", resource="https://vault.azure.net"`,
                },
              }
            : undefined,
        (req) => (req.method === "PATCH" ? { status: 200, body: keyBundle } : undefined),
      ],
      (record) => records.push(record),
    );
    const key = await azure.updateKey("https://kv-prod.vault.azure.net/", "acr-key", VERSION, { expiresOn: null });
    const patches = sent.filter((s) => s.method === "PATCH");
    expect(patches.at(-1)?.body).toEqual({ attributes: { exp: null } });
    expect(patches.at(-1)?.authorization).toMatch(/^Bearer acr-cmk-sandbox-token:/);
    expect(key).toMatchObject({ name: "acr-key", version: VERSION, enabled: true, keyOps: ["wrapKey", "unwrapKey"] });
    expect(records.at(-1)).toEqual({
      method: "PATCH",
      url: `https://kv-prod.vault.azure.net/keys/acr-key/${VERSION}`,
      status: 200,
      requestId: "req-1",
    });
  });

  it("refuses an update that changes nothing, before any request", async () => {
    const { azure, sent } = port([]);
    await expect(azure.updateKey("https://kv-prod.vault.azure.net/", "acr-key", undefined, {})).rejects.toThrow(
      /change enabled, expiresOn or both/,
    );
    expect(sent).toHaveLength(0);
  });

  it("a server error after retries is an AzureFailure with kind unavailable", async () => {
    const { azure } = port([() => ({ status: 503, body: { error: { code: "ServiceUnavailable", message: "busy" } } })]);
    const failure = await failureOf(azure.getRegistry({ resourceGroup: RG, name: "contoso01" }));
    expect(failure.kind).toBe("unavailable");
  });
});
