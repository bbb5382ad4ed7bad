import { describe, expect, it } from "vitest";
import { roleDefinitionId } from "../../../src/sandbox/ids.js";
import { ROLE } from "../../../src/sandbox/world.js";
import { listAll, POLL, sandboxClients } from "./clients.js";

describe("Microsoft.KeyVault/vaults through KeyVaultManagementClient", () => {
  it("gets a vault with sku, access policies with permissions, network ACLs and the real vaultUri", async () => {
    const c = sandboxClients({ scenario: "firewall" });
    const vault = await c.kv.vaults.get(c.rg, c.vaultName);
    expect(vault.properties.sku).toEqual({ family: "A", name: "standard" });
    expect(vault.properties.vaultUri).toBe(`https://${c.vaultName}.vault.azure.net/`);
    expect(vault.properties.enablePurgeProtection).toBe(true);
    expect(vault.properties.networkAcls).toMatchObject({ defaultAction: "Deny", bypass: "AzureServices" });
    expect(vault.properties.accessPolicies?.every((p) => Array.isArray(p.permissions.keys))).toBe(true);
    await expect(c.kv.vaults.get(c.rg, "kv-missing")).rejects.toMatchObject({
      statusCode: 404,
      code: "ResourceNotFound",
    });
  });

  it("lists vaults by group, by subscription and through the generic resources list", async () => {
    const c = sandboxClients({ scenario: "fleet", registries: 2 });
    expect(await listAll(c.kv.vaults.listByResourceGroup(c.rg))).toHaveLength(2);
    expect(await listAll(c.kv.vaults.listBySubscription())).toHaveLength(2);
    const generic = await listAll(c.kv.vaults.list({ top: 1 }));
    expect(generic.map((r) => r.type)).toEqual(["Microsoft.KeyVault/vaults", "Microsoft.KeyVault/vaults"]);
  });

  it("PATCH sets network ACLs and turns purge protection on, but never off", async () => {
    const c = sandboxClients({ scenario: "no-purge-protection" });
    const updated = await c.kv.vaults.update(c.rg, c.vaultName, {
      properties: { enablePurgeProtection: true, networkAcls: { bypass: "AzureServices", defaultAction: "Deny" } },
    });
    expect(updated.properties.enablePurgeProtection).toBe(true);
    expect(updated.properties.networkAcls?.defaultAction).toBe("Deny");
    await expect(
      c.kv.vaults.update(c.rg, c.vaultName, { properties: { enablePurgeProtection: false } }),
    ).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining("irreversible"),
    });
  });

  it("access policies: add merges, remove drops, the response carries properties.accessPolicies", async () => {
    const c = sandboxClients();
    const objectId = "11111111-2222-3333-4444-555555555555";
    const added = await c.kv.vaults.updateAccessPolicy(c.rg, c.vaultName, "add", {
      properties: {
        accessPolicies: [{ tenantId: c.world.tenantId, objectId, permissions: { keys: ["get", "wrapkey"] } }],
      },
    });
    expect(added.properties.accessPolicies[0]?.permissions.keys).toEqual(["get", "wrapKey"]);
    await c.kv.vaults.updateAccessPolicy(c.rg, c.vaultName, "add", {
      properties: { accessPolicies: [{ tenantId: c.world.tenantId, objectId, permissions: { keys: ["unwrapKey"] } }] },
    });
    let vault = await c.kv.vaults.get(c.rg, c.vaultName);
    expect(vault.properties.accessPolicies?.find((p) => p.objectId === objectId)?.permissions.keys).toEqual([
      "get",
      "wrapKey",
      "unwrapKey",
    ]);
    await c.kv.vaults.updateAccessPolicy(c.rg, c.vaultName, "remove", {
      properties: {
        accessPolicies: [
          { tenantId: c.world.tenantId, objectId, permissions: { keys: ["get", "wrapKey", "unwrapKey"] } },
        ],
      },
    });
    vault = await c.kv.vaults.get(c.rg, c.vaultName);
    expect(vault.properties.accessPolicies?.some((p) => p.objectId === objectId)).toBe(false);
    await expect(
      c.kv.vaults.updateAccessPolicy(c.rg, c.vaultName, "add", {
        properties: { accessPolicies: [{ tenantId: c.world.tenantId, objectId, permissions: { keys: ["fly"] } }] },
      }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });

  it("delete soft-deletes; deletedVaults shows it; recover brings keys and policies back but not RBAC assignments", async () => {
    const c = sandboxClients({ scenario: "rbac" });
    const vaultId = c.world.vaults[c.vaultName]!.id;
    expect(
      (await listAll(c.auth.roleAssignments.listForScope(vaultId.slice(1)))).some((a) => a.scope === vaultId),
    ).toBe(true);
    await c.kv.vaults.delete(c.rg, c.vaultName);
    await expect(c.kv.vaults.get(c.rg, c.vaultName)).rejects.toMatchObject({ statusCode: 404 });
    const deleted = await c.kv.vaults.getDeleted(c.vaultName, "westeurope");
    expect(deleted.properties?.vaultId).toBe(vaultId);
    expect(deleted.properties?.purgeProtectionEnabled).toBe(true);
    expect(deleted.properties?.scheduledPurgeDate).toBeInstanceOf(Date);
    expect((await listAll(c.kv.vaults.listDeleted())).map((v) => v.name)).toEqual([c.vaultName]);
    await expect(c.kv.vaults.getDeleted(c.vaultName, "eastus")).rejects.toMatchObject({
      statusCode: 404,
      code: "DeletedVaultNotFound",
    });

    // Creating over the soft-deleted name is refused with the published text.
    const body = {
      location: "westeurope",
      properties: { tenantId: c.world.tenantId, sku: { family: "A" as const, name: "standard" as const } },
    };
    await expect(c.kv.vaults.createOrUpdate(c.rg, c.vaultName, body, POLL)).rejects.toMatchObject({
      statusCode: 409,
      code: "ConflictError",
    });
    const recovered = await c.kv.vaults.createOrUpdate(
      c.rg,
      c.vaultName,
      { ...body, properties: { ...body.properties, createMode: "recover" } },
      POLL,
    );
    expect(recovered.properties.enableRbacAuthorization).toBe(true);
    expect((await c.keys(c.vaultName).getKey(c.keyName)).name).toBe(c.keyName);
    const atVault = await listAll(c.auth.roleAssignments.listForScope(vaultId.slice(1), { filter: "atScope()" }));
    expect(atVault.some((a) => a.scope === vaultId)).toBe(false);
    await expect(
      c.kv.vaults.createOrUpdate(
        c.rg,
        "kv-never-was",
        { ...body, properties: { ...body.properties, createMode: "recover" } },
        POLL,
      ),
    ).rejects.toMatchObject({ statusCode: 400, code: "SoftDeletedVaultDoesNotExist" });
  });

  it("PUT on an existing vault (az CLI style) keeps its keys; purge of a protected deleted vault is refused and counted", async () => {
    const c = sandboxClients();
    const current = await c.kv.vaults.get(c.rg, c.vaultName);
    await c.kv.vaults.createOrUpdate(
      c.rg,
      c.vaultName,
      { location: current.location!, properties: current.properties },
      POLL,
    );
    expect((await c.keys(c.vaultName).getKey(c.keyName)).name).toBe(c.keyName);
    await c.kv.vaults.delete(c.rg, c.vaultName);
    // eslint-disable-next-line no-restricted-syntax -- the simulator must refuse a purge as Key Vault does
    await expect(c.kv.vaults.purgeDeleted(c.vaultName, "westeurope", POLL)).rejects.toMatchObject({
      message: expect.stringContaining("Operation 'DeletedVaultPurge' is not allowed."),
    });
    expect(c.store.read().counters.purgeRequests).toBe(1);
  });
});

describe("Microsoft.Authorization/roleAssignments through AuthorizationManagementClient", () => {
  it("creates at vault scope, refuses duplicates, filters by principal, gets by id and deletes", async () => {
    const c = sandboxClients({ scenario: "rbac" });
    const vaultScope = c.world.vaults[c.vaultName]!.id.slice(1); // the SDK's {scope} takes no leading slash
    const principalId = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
    const roleDefinition = roleDefinitionId(c.world.subscriptionId, ROLE.cryptoServiceEncryptionUser);
    const name = "0f8fad5b-d9cb-469f-a165-70867728950e";
    const created = await c.auth.roleAssignments.create(vaultScope, name, {
      roleDefinitionId: roleDefinition,
      principalId,
      principalType: "ServicePrincipal",
    });
    expect(created).toMatchObject({ name, principalId, roleDefinitionId: roleDefinition, scope: `/${vaultScope}` });
    await expect(
      c.auth.roleAssignments.create(vaultScope, "7c9e6679-7425-40de-944b-e07fc1f90ae7", {
        roleDefinitionId: roleDefinition,
        principalId,
      }),
    ).rejects.toMatchObject({ statusCode: 409, code: "RoleAssignmentExists" });
    await expect(
      c.auth.roleAssignments.create(vaultScope, "not-a-guid", { roleDefinitionId: roleDefinition, principalId }),
    ).rejects.toMatchObject({
      statusCode: 400,
    });
    const mine = await listAll(
      c.auth.roleAssignments.listForScope(vaultScope, { filter: `principalId eq '${principalId}'` }),
    );
    expect(mine.map((a) => a.name)).toEqual([name]);
    expect((await c.auth.roleAssignments.getById(created.id!)).principalId).toBe(principalId);
    await c.auth.roleAssignments.delete(vaultScope, name);
    await expect(c.auth.roleAssignments.getById(created.id!)).rejects.toMatchObject({ statusCode: 404 });
  });
});
