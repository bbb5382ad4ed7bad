import { RestError } from "@azure/core-rest-pipeline";
import { describe, expect, it } from "vitest";
import { identityAccessMessage, IDENTITY_INACTIVE_MESSAGE } from "../../../src/sandbox/health.js";
import { keyId } from "../../../src/sandbox/ids.js";
import { listAll, POLL, sandboxClients } from "./clients.js";

describe("Microsoft.ContainerRegistry/registries through ContainerRegistryManagementClient", () => {
  it("gets a CMK registry with every field the SDK flattens: sku, identity, encryption", async () => {
    const c = sandboxClients();
    const registry = await c.acr.registries.get(c.rg, c.registryName);
    const identity = Object.values(c.world.identities)[0];
    expect(registry.sku).toEqual({ name: "Premium", tier: "Premium" });
    expect(registry.loginServer).toBe(`${c.registryName}.azurecr.io`);
    expect(registry.provisioningState).toBe("Succeeded");
    expect(registry.identity?.type).toBe("UserAssigned");
    expect(registry.identity?.userAssignedIdentities?.[identity!.id]).toEqual({
      principalId: identity!.principalId,
      clientId: identity!.clientId,
    });
    expect(registry.encryption?.status).toBe("enabled");
    const kvp = registry.encryption?.keyVaultProperties;
    expect(kvp?.keyIdentifier).toBe(keyId(c.vaultName, c.keyName));
    expect(kvp?.versionedKeyIdentifier).toMatch(new RegExp(`/keys/${c.keyName}/[0-9a-f]{32}$`));
    expect(kvp?.identity).toBe(identity!.clientId);
    expect(kvp?.keyRotationEnabled).toBe(true);
    expect(kvp?.lastKeyRotationTimestamp).toBeInstanceOf(Date);
  });

  it("answers 404 ResourceNotFound for a missing registry and ResourceGroupNotFound for a missing group", async () => {
    const c = sandboxClients();
    await expect(c.acr.registries.get(c.rg, "nosuchregistry")).rejects.toMatchObject({
      statusCode: 404,
      code: "ResourceNotFound",
    });
    await expect(c.acr.registries.get("rg-nope", c.registryName)).rejects.toMatchObject({
      statusCode: 404,
      code: "ResourceGroupNotFound",
    });
  });

  it("lists registries by subscription and by resource group", async () => {
    const c = sandboxClients({ scenario: "fleet", registries: 3 });
    const all = await listAll(c.acr.registries.list());
    const inGroup = await listAll(c.acr.registries.listByResourceGroup(c.rg));
    expect(all.map((r) => r.name).sort()).toEqual(["acrcmkdemo01", "acrcmkdemo02", "acrcmkdemo03"]);
    expect(inGroup).toHaveLength(3);
  });

  it("rotates to a pinned version through a PATCH long-running operation the poller follows", async () => {
    const c = sandboxClients();
    const key = await c.keys(c.vaultName).createRsaKey(c.keyName, { keySize: 2048 });
    const identity = Object.values(c.world.identities)[0]!;
    const before = c.store.read().counters.requests;
    const updated = await c.acr.registries.update(
      c.rg,
      c.registryName,
      { encryption: { status: "enabled", keyVaultProperties: { keyIdentifier: key.id, identity: identity.clientId } } },
      POLL,
    );
    expect(updated.encryption?.keyVaultProperties?.keyIdentifier).toBe(key.id);
    expect(updated.encryption?.keyVaultProperties?.versionedKeyIdentifier).toBe(key.id);
    expect(updated.encryption?.keyVaultProperties?.keyRotationEnabled).toBe(false);
    expect(updated.provisioningState).toBe("Succeeded");
    // PATCH (201 + Azure-AsyncOperation), InProgress poll, Succeeded poll, final GET.
    expect(c.store.read().counters.requests - before).toBe(4);
  });

  it("refuses a rotation the identity cannot wrap with, with the documented 'Failed to access KeyId' text", async () => {
    const c = sandboxClients();
    const vault = c.world.vaults[c.vaultName]!;
    const identity = Object.values(c.world.identities)[0]!;
    await c.kv.vaults.updateAccessPolicy(c.rg, c.vaultName, "remove", {
      properties: {
        accessPolicies: [
          {
            tenantId: c.world.tenantId,
            objectId: identity.principalId,
            permissions: { keys: ["get", "wrapKey", "unwrapKey"] },
          },
        ],
      },
    });
    const kid = keyId(vault.name, c.keyName, vault.keys[c.keyName]!.versions[0]!.version);
    const error = await c.acr.registries
      .update(
        c.rg,
        c.registryName,
        { encryption: { keyVaultProperties: { keyIdentifier: kid, identity: identity.clientId } } },
        POLL,
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RestError);
    expect((error as RestError).statusCode).toBe(400);
    expect((error as RestError).message).toContain(
      `Failed to access KeyId '${kid}'. Verify that identity '${identity.clientId}' has 'Get, Wrap Key, Unwrap Key' permission`,
    );
    expect(c.store.read().registries[Object.keys(c.world.registries)[0]!]!.encryption.keyIdentifier).toBe(
      keyId(c.vaultName, c.keyName),
    );
  });

  it("refuses to disable CMK on an existing registry", async () => {
    const c = sandboxClients();
    await expect(
      c.acr.registries.update(c.rg, c.registryName, { encryption: { status: "disabled" } }, POLL),
    ).rejects.toMatchObject({ statusCode: 400, message: expect.stringContaining("cannot be disabled") });
  });

  it("removing the encryption identity is refused with the documented text, yet detaches it; re-assigning heals", async () => {
    const c = sandboxClients();
    const identity = Object.values(c.world.identities)[0]!;
    const registryKey = Object.keys(c.world.registries)[0]!;
    const registryRecord = c.world.registries[registryKey]!;
    await expect(
      c.acr.registries.update(
        c.rg,
        c.registryName,
        { identity: { type: "UserAssigned", userAssignedIdentities: { [identity.id]: null } as never } },
        POLL,
      ),
    ).rejects.toMatchObject({ statusCode: 400, message: identityAccessMessage(registryRecord, identity.clientId) });
    const after = await c.acr.registries.get(c.rg, c.registryName);
    expect(after.identity).toBeUndefined();
    expect(c.store.read().registries[registryKey]!.identityDetached?.identity).toBe(identity.clientId);

    // While detached, rotate-key (here: pinning the current version) fails with the same message.
    const pinned = keyId(c.vaultName, c.keyName, c.world.vaults[c.vaultName]!.keys[c.keyName]!.versions[0]!.version);
    await expect(
      c.acr.registries.update(
        c.rg,
        c.registryName,
        { encryption: { keyVaultProperties: { keyIdentifier: pinned, identity: identity.clientId } } },
        POLL,
      ),
    ).rejects.toMatchObject({ statusCode: 400, message: expect.stringContaining("Try forcibly adding the identity") });

    // `az acr identity assign` heals it.
    const healed = await c.acr.registries.update(
      c.rg,
      c.registryName,
      { identity: { type: "UserAssigned", userAssignedIdentities: { [identity.id]: {} } } },
      POLL,
    );
    expect(healed.identity?.userAssignedIdentities?.[identity.id]?.clientId).toBe(identity.clientId);
    expect(c.store.read().registries[registryKey]!.identityDetached).toBeUndefined();
  });

  it("accepts the az CLI's full-body PUT that removes an unrelated identity and keeps encryption untouched", async () => {
    const c = sandboxClients();
    const extra = Object.values(c.world.identities)[0]!;
    const current = await c.acr.registries.get(c.rg, c.registryName);
    // Assign the system identity, then remove it again with a full PUT as `az acr identity remove` does.
    await c.acr.registries.update(
      c.rg,
      c.registryName,
      { identity: { type: "SystemAssigned, UserAssigned", userAssignedIdentities: { [extra.id]: {} } } },
      POLL,
    );
    const withSystem = await c.acr.registries.get(c.rg, c.registryName);
    expect(withSystem.identity?.principalId).toMatch(/[0-9a-f-]{36}/);
    const put = await c.acr.registries.create(
      c.rg,
      c.registryName,
      { ...withSystem, identity: { type: "UserAssigned", userAssignedIdentities: { [extra.id]: {} } } },
      POLL,
    );
    expect(put.identity?.type).toBe("UserAssigned");
    expect(put.encryption?.keyVaultProperties?.keyIdentifier).toBe(
      current.encryption?.keyVaultProperties?.keyIdentifier,
    );
  });

  it("re-sending the same key (rotate-key) clears a firewall switched on after encryption", async () => {
    const c = sandboxClients();
    await c.kv.vaults.update(c.rg, c.vaultName, {
      properties: { networkAcls: { defaultAction: "Deny", bypass: "AzureServices" } },
    });
    const key = Object.keys(c.world.registries)[0]!;
    expect(c.store.read().registries[key]!.firewallStale).toBe(true);
    const registry = await c.acr.registries.get(c.rg, c.registryName);
    await c.acr.registries.update(c.rg, c.registryName, { encryption: registry.encryption }, POLL);
    expect(c.store.read().registries[key]!.firewallStale).toBeUndefined();
  });
});

describe("Microsoft.ManagedIdentity/userAssignedIdentities through ManagedServiceIdentityClient", () => {
  it("gets and lists identities with principal and client ids", async () => {
    const c = sandboxClients();
    const identity = Object.values(c.world.identities)[0]!;
    const got = await c.msi.userAssignedIdentities.get(c.rg, c.identityName);
    expect(got).toMatchObject({
      id: identity.id,
      principalId: identity.principalId,
      clientId: identity.clientId,
      tenantId: c.world.tenantId,
    });
    expect((await listAll(c.msi.userAssignedIdentities.listBySubscription())).map((i) => i.name)).toEqual([
      c.identityName,
    ]);
    expect(await listAll(c.msi.userAssignedIdentities.listByResourceGroup(c.rg))).toHaveLength(1);
    await expect(c.msi.userAssignedIdentities.get(c.rg, "id-missing")).rejects.toMatchObject({
      statusCode: 404,
      code: "ResourceNotFound",
    });
  });
});

describe("registry data plane through ContainerRegistryClient", () => {
  it("lists repositories after the real challenge and token exchange", async () => {
    const c = sandboxClients();
    const before = c.store.read().counters.requests;
    const names = await listAll(c.registryData(c.registryName).listRepositoryNames());
    expect(names).toEqual(["hello-world", "payments/api", "payments/worker"]);
    // 401 challenge, /oauth2/exchange, /oauth2/token, catalog again.
    expect(c.store.read().counters.requests - before).toBe(4);
  });

  it("pages the catalog with the Link header", async () => {
    const c = sandboxClients();
    const pages = await listAll(c.registryData(c.registryName).listRepositoryNames().byPage({ maxPageSize: 2 }));
    expect(pages.map((p) => [...p])).toEqual([["hello-world", "payments/api"], ["payments/worker"]]);
  });

  it("fails while the registry cannot read its key, and recovers once the key is back", async () => {
    const c = sandboxClients();
    const keys = c.keys(c.vaultName);
    await (await keys.beginDeleteKey(c.keyName, POLL)).pollUntilDone();
    const error = await listAll(c.registryData(c.registryName).listRepositoryNames()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RestError);
    expect((error as RestError).statusCode).toBe(403);
    expect((error as RestError).message).toContain("registry content is not readable");
    await (await keys.beginRecoverDeletedKey(c.keyName, POLL)).pollUntilDone();
    expect(await listAll(c.registryData(c.registryName).listRepositoryNames())).toHaveLength(3);
  });

  it("answers the documented identity-inactive 403 once a removed identity's grace has lapsed", async () => {
    const c = sandboxClients({
      mutate: (world) => {
        const registry = Object.values(world.registries)[0]!;
        const identity = Object.values(world.identities)[0]!;
        registry.userAssignedIdentities = [];
        registry.identityDetached = {
          identity: identity.clientId,
          principalId: identity.principalId,
          detachedAt: "2020-01-01T00:00:00.000Z",
          expiresAt: "2020-04-01T00:00:00.000Z",
        };
      },
    });
    await expect(listAll(c.registryData(c.registryName).listRepositoryNames())).rejects.toMatchObject({
      statusCode: 403,
      message: expect.stringContaining(IDENTITY_INACTIVE_MESSAGE),
    });
  });

  it("an unknown registry host fails like DNS", async () => {
    const c = sandboxClients();
    await expect(listAll(c.registryData("nosuchregistry").listRepositoryNames())).rejects.toMatchObject({
      code: "ENOTFOUND",
    });
  });
});
