// Every CmkAzure operation through the real SDK clients, answered in-process by the sandbox; and the failures the
// incidents leave behind, observed as the typed causes the runbooks branch on.
import { describe, expect, it } from "vitest";
import { createSandboxAzure } from "../../src/cli/sandbox-azure.js";
import { vaultScope } from "../../src/azure/ids.js";
import { AzureFailure, type AzureCause, type CmkAzure } from "../../src/azure/types.js";
import type { ResponseRecord } from "../../src/azure/cmk-azure.js";
import { breakWorld } from "../../src/sandbox/incidents.js";
import { createWorld, DEMO_RESOURCE_GROUP, type ScenarioOptions } from "../../src/sandbox/scenarios.js";
import { memoryStore, type WorldStore } from "../../src/sandbox/store.js";
import { ROLE } from "../../src/sandbox/world.js";
import { failureOf } from "./scripted-http.js";

const RG = DEMO_RESOURCE_GROUP;
const REGISTRY = { resourceGroup: RG, name: "acrcmkdemo" };
const VAULT = { resourceGroup: RG, name: "kv-acr-cmk-demo" };
const VAULT_URL = "https://kv-acr-cmk-demo.vault.azure.net/";
const KEY = "acr-cmk";

function sandbox(options: ScenarioOptions = {}, onResponse?: (record: ResponseRecord) => void) {
  const store: WorldStore = memoryStore(createWorld(options));
  const azure = createSandboxAzure({ store, ...(onResponse ? { onResponse } : {}) });
  const world = store.read();
  return { store, azure, world, breakIt: (incident: string) => store.update((w, now) => breakWorld(w, incident, now)) };
}

async function expectKind(promise: Promise<unknown>, kind: AzureCause): Promise<AzureFailure> {
  const failure = await failureOf(promise);
  expect(failure.kind, failure.message).toBe(kind);
  return failure;
}

describe("registries", () => {
  it("reads a CMK registry with its identity and encryption, and lists the subscription's registries", async () => {
    const { azure, world } = sandbox();
    const registry = await azure.getRegistry(REGISTRY);
    const identity = Object.values(world.identities)[0];
    expect(registry).toMatchObject({ name: "acrcmkdemo", resourceGroup: RG, sku: "Premium", location: "westeurope" });
    expect(registry.identity.type).toBe("UserAssigned");
    expect(registry.identity.userAssigned[0]).toMatchObject({
      clientId: identity?.clientId,
      principalId: identity?.principalId,
    });
    expect(registry.encryption.status).toBe("enabled");
    expect(registry.encryption.keyIdentifier).toBe(`${VAULT_URL}keys/${KEY}`);
    expect(registry.encryption.versionedKeyIdentifier).toMatch(new RegExp(`^${VAULT_URL}keys/${KEY}/[0-9a-f]{32}$`));
    expect(registry.encryption.identity).toBe(identity?.clientId);
    expect((await azure.listRegistries()).map((r) => r.name)).toEqual(["acrcmkdemo"]);
  });

  it("a cancelled call ends with the caller's AbortError, not an Azure failure", async () => {
    const { azure } = sandbox();
    const controller = new AbortController();
    controller.abort();
    await expect(azure.getRegistry(REGISTRY, { abortSignal: controller.signal })).rejects.toMatchObject({
      name: "AbortError",
    });
  });

  it("a registry that does not exist → not-found", async () => {
    const { azure } = sandbox();
    await expectKind(azure.getRegistry({ resourceGroup: RG, name: "nosuchregistry" }), "not-found");
  });

  it("assigns the system identity and removes it again", async () => {
    const { azure } = sandbox();
    const assigned = await azure.assignRegistryIdentities(REGISTRY, { systemAssigned: true });
    expect(assigned.identity.type).toBe("SystemAssigned, UserAssigned");
    expect(assigned.identity.principalId).toBeTruthy();
    const removed = await azure.removeRegistryIdentities(REGISTRY, { systemAssigned: true });
    expect(removed.identity.type).toBe("UserAssigned");
  });

  it("refuses to remove the encryption identity: identity-inaccessible", async () => {
    const { azure } = sandbox();
    const registry = await azure.getRegistry(REGISTRY);
    const cmkIdentity = registry.identity.userAssigned[0]?.id as string;
    await expectKind(
      azure.removeRegistryIdentities(REGISTRY, { userAssigned: [cmkIdentity] }),
      "identity-inaccessible",
    );
  });

  it("rotates to a new key version (manual rotation pins it)", async () => {
    const { azure } = sandbox();
    const registry = await azure.getRegistry(REGISTRY);
    const fresh = await azure.createKeyVersion(VAULT_URL, KEY);
    const rotated = await azure.rotateRegistryKey(REGISTRY, {
      keyIdentifier: fresh.id,
      identity: registry.encryption.identity as string,
    });
    expect(rotated.encryption.keyIdentifier).toBe(fresh.id);
    expect(rotated.encryption.versionedKeyIdentifier).toBe(fresh.id);
  });

  it("checks the registry's data plane: healthy, then refused once the key is disabled", async () => {
    const { azure, breakIt } = sandbox();
    const registry = await azure.getRegistry(REGISTRY);
    expect(await azure.checkRegistryDataPlane(registry)).toMatchObject({ ok: true });
    breakIt("key-disabled");
    const check = await azure.checkRegistryDataPlane(registry);
    expect(check.ok).toBe(false);
    expect(check.status).toBeGreaterThanOrEqual(400);
  });

  it("a refused data plane reads as ACR's first error: code and message, not the raw JSON body", async () => {
    const { azure, breakIt } = sandbox();
    breakIt("firewall-403");
    const check = await azure.checkRegistryDataPlane(await azure.getRegistry(REGISTRY));
    expect(check).toMatchObject({ ok: false, status: 403, code: "DENIED" });
    expect(check.message).toMatch(/^registry content is not readable: vault 'kv-acr-cmk-demo' firewall denies/);
    expect(check.message).not.toContain("{");
  });
});

describe("identities", () => {
  it("gets and lists user-assigned identities with principal and client ids", async () => {
    const { azure, world } = sandbox();
    const record = Object.values(world.identities)[0];
    const identity = await azure.getUserAssignedIdentity(record?.id as string);
    expect(identity).toEqual({
      id: record?.id,
      name: record?.name,
      resourceGroup: RG,
      principalId: record?.principalId,
      clientId: record?.clientId,
      tenantId: world.tenantId,
    });
    expect((await azure.listUserAssignedIdentities()).map((i) => i.clientId)).toEqual([record?.clientId]);
  });
});

describe("vaults", () => {
  it("gets a vault, finds it by name, and answers null for a name nobody has", async () => {
    const { azure, world } = sandbox();
    const vault = await azure.getVault(VAULT);
    expect(vault).toMatchObject({
      name: VAULT.name,
      vaultUri: VAULT_URL,
      tenantId: world.tenantId,
      enablePurgeProtection: true,
    });
    expect(vault.accessPolicies.length).toBeGreaterThan(0);
    expect((await azure.findVaultByName("KV-ACR-CMK-DEMO"))?.id).toBe(vault.id);
    expect(await azure.findVaultByName("kv-nobody-has")).toBeNull();
  });

  it("switches the firewall on with trusted services allowed, keeping the other rules", async () => {
    const { azure } = sandbox();
    const updated = await azure.updateVaultNetworkAcls(VAULT, { defaultAction: "Deny", bypass: "AzureServices" });
    expect(updated.networkAcls).toMatchObject({ defaultAction: "Deny", bypass: "AzureServices" });
    expect((await azure.getVault(VAULT)).networkAcls.defaultAction).toBe("Deny");
  });

  it("enables purge protection", async () => {
    const { azure } = sandbox({ scenario: "no-purge-protection" });
    expect((await azure.getVault(VAULT)).enablePurgeProtection).toBe(false);
    expect((await azure.enableVaultPurgeProtection(VAULT)).enablePurgeProtection).toBe(true);
  });

  it("adds, replaces and removes an access policy", async () => {
    const { azure, world } = sandbox();
    const entry = {
      tenantId: world.tenantId,
      objectId: "0b0b0b0b-1111-2222-3333-444444444444",
      permissions: { keys: ["get", "wrapKey", "unwrapKey"], secrets: [], certificates: [] },
    };
    const added = await azure.updateAccessPolicy(VAULT, "add", entry);
    expect(added.find((p) => p.objectId === entry.objectId)?.permissions.keys).toEqual(["get", "wrapKey", "unwrapKey"]);
    const replaced = await azure.updateAccessPolicy(VAULT, "replace", {
      ...entry,
      permissions: { ...entry.permissions, keys: ["get"] },
    });
    expect(replaced.find((p) => p.objectId === entry.objectId)?.permissions.keys).toEqual(["get"]);
    const removed = await azure.updateAccessPolicy(VAULT, "remove", entry);
    expect(removed.some((p) => p.objectId === entry.objectId)).toBe(false);
  });

  it("refuses a malformed access policy before calling Azure", async () => {
    const { azure } = sandbox();
    await expect(
      azure.updateAccessPolicy(VAULT, "add", {
        tenantId: "t",
        objectId: "o",
        permissions: { keys: [], secrets: [], certificates: [] },
      }),
    ).rejects.toThrow(/expected a GUID/);
  });

  it("a deleted vault: ARM 404, its data plane gone (network), found among deleted vaults, recovered with its keys", async () => {
    const { azure, breakIt } = sandbox();
    breakIt("vault-deleted");
    await expectKind(azure.getVault(VAULT), "not-found");
    expect(await azure.findVaultByName(VAULT.name)).toBeNull();
    await expectKind(azure.getKey(VAULT_URL, KEY), "network");
    const deleted = await azure.findDeletedVault(VAULT.name);
    expect(deleted).toMatchObject({ name: VAULT.name, location: "westeurope", purgeProtectionEnabled: true });
    expect(deleted?.vaultId.toLowerCase()).toContain("/vaults/kv-acr-cmk-demo");
    expect(await azure.getDeletedVault(VAULT.name, deleted?.location as string)).toMatchObject({ name: VAULT.name });
    const recovered = await azure.recoverDeletedVault({ ...VAULT, location: deleted?.location as string });
    expect(recovered.vaultUri).toBe(VAULT_URL);
    expect((await azure.getKey(VAULT_URL, KEY)).enabled).toBe(true);
  });

  it("a deleted vault that does not exist → deleted-vault-not-found", async () => {
    const { azure } = sandbox();
    expect(await azure.findDeletedVault("kv-never-existed")).toBeNull();
    await expectKind(azure.getDeletedVault("kv-never-existed", "westeurope"), "deleted-vault-not-found");
  });
});

describe("role assignments", () => {
  it("lists the registry identity's role on an RBAC vault, creates and deletes another", async () => {
    const { azure, world } = sandbox({ access: "rbac" });
    const vault = await azure.getVault(VAULT);
    expect(vault.enableRbacAuthorization).toBe(true);
    const scope = vaultScope({ subscriptionId: world.subscriptionId, ...VAULT });
    const principalId = Object.values(world.identities)[0]?.principalId as string;
    const existing = await azure.listRoleAssignments(scope, { principalId });
    expect(existing.map((a) => a.roleDefinitionId.split("/").pop())).toContain(ROLE.cryptoServiceEncryptionUser);

    const other = "0c0c0c0c-1111-2222-3333-444444444444";
    const created = await azure.createRoleAssignment(scope, {
      roleDefinitionId: ROLE.cryptoServiceEncryptionUser,
      principalId: other,
      principalType: "ServicePrincipal",
    });
    expect(created).toMatchObject({ principalId: other, principalType: "ServicePrincipal" });
    expect(created.roleDefinitionId).toBe(
      `/subscriptions/${world.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${ROLE.cryptoServiceEncryptionUser}`,
    );
    expect((await azure.listRoleAssignments(`/${scope}`, { principalId: other })).map((a) => a.id)).toEqual([
      created.id,
    ]);
    await azure.deleteRoleAssignment(created.id);
    expect(await azure.listRoleAssignments(scope, { principalId: other })).toEqual([]);
  });
});

describe("keys", () => {
  it("gets the current key and a given version, and lists versions oldest first", async () => {
    const { azure } = sandbox();
    const key = await azure.getKey(VAULT_URL, KEY);
    expect(key).toMatchObject({ name: KEY, keyType: "RSA", enabled: true, vaultUrl: VAULT_URL });
    expect(key.id).toBe(`${VAULT_URL}keys/${KEY}/${key.version}`);
    expect(key.keyOps).toEqual(expect.arrayContaining(["wrapKey", "unwrapKey"]));
    expect((await azure.getKey(VAULT_URL, KEY, key.version)).id).toBe(key.id);
    const fresh = await azure.createKeyVersion(VAULT_URL, KEY, { keySize: 3072 });
    const versions = await azure.listKeyVersions(VAULT_URL, KEY);
    expect(versions.map((v) => v.version)).toEqual(expect.arrayContaining([key.version, fresh.version]));
    expect(versions.at(-1)?.version).toBe(fresh.version);
    expect((await azure.getKey(VAULT_URL, KEY)).version).toBe(fresh.version);
  });

  it("disables and re-enables a key, sets and clears its expiry", async () => {
    const { azure } = sandbox();
    expect((await azure.updateKey(VAULT_URL, KEY, undefined, { enabled: false })).enabled).toBe(false);
    expect((await azure.updateKey(VAULT_URL, KEY, undefined, { enabled: true })).enabled).toBe(true);
    const expiresOn = "2031-01-01T00:00:00.000Z";
    const current = await azure.getKey(VAULT_URL, KEY);
    expect((await azure.updateKey(VAULT_URL, KEY, current.version, { expiresOn })).expiresOn).toBe(expiresOn);
    expect((await azure.updateKey(VAULT_URL, KEY, current.version, { expiresOn: null })).expiresOn).toBeUndefined();
  });

  it("soft-deletes a key, refuses its name, and recovers it", async () => {
    const { azure } = sandbox();
    const deleted = await azure.deleteKey(VAULT_URL, KEY);
    expect(deleted.recoveryId).toBe(`${VAULT_URL}deletedkeys/${KEY}`);
    expect(deleted.deletedOn).toBeTruthy();
    expect(deleted.scheduledPurgeDate).toBeTruthy();
    await expectKind(azure.getKey(VAULT_URL, KEY), "key-not-found");
    expect((await azure.getDeletedKey(VAULT_URL, KEY)).name).toBe(KEY);
    await expectKind(azure.createKeyVersion(VAULT_URL, KEY), "deleted-but-recoverable");
    const recovered = await azure.recoverDeletedKey(VAULT_URL, KEY);
    expect(recovered).toMatchObject({ name: KEY, enabled: true });
    expect((await azure.getKey(VAULT_URL, KEY)).version).toBe(recovered.version);
  });

  it("a key that was never deleted has no deleted record: key-not-found", async () => {
    const { azure } = sandbox();
    await expectKind(azure.getDeletedKey(VAULT_URL, KEY), "key-not-found");
  });

  it("backs a key up and restores it into another vault of the subscription", async () => {
    const { azure } = sandbox({ registries: 2 });
    const source = "https://kv-acr-cmk-demo-01.vault.azure.net/";
    const target = "https://kv-acr-cmk-demo-02.vault.azure.net/";
    await azure.createKeyVersion(source, "spare-key");
    const backup = await azure.backupKey(source, "spare-key");
    expect(backup.length).toBeGreaterThan(0);
    const restored = await azure.restoreKeyBackup(target, backup);
    expect(restored).toMatchObject({ name: "spare-key", vaultUrl: target });
    expect((await azure.getKey(target, "spare-key")).version).toBe(restored.version);
  });
});

describe("incidents, as the operator's own calls see them", () => {
  it("key deleted → key-not-found", async () => {
    const { azure, breakIt } = sandbox();
    breakIt("key-deleted");
    await expectKind(azure.getKey(VAULT_URL, KEY), "key-not-found");
  });

  it("firewall switched on → forbidden-by-firewall; allowing public access again fixes it", async () => {
    const { azure, breakIt } = sandbox();
    breakIt("firewall-403");
    await expectKind(azure.getKey(VAULT_URL, KEY), "forbidden-by-firewall");
    await azure.updateVaultNetworkAcls(VAULT, { defaultAction: "Allow" });
    expect((await azure.getKey(VAULT_URL, KEY)).name).toBe(KEY);
  });

  it("firewall switched on → a paged list (key versions) is forbidden-by-firewall too, in Key Vault's words", async () => {
    const { azure, breakIt } = sandbox();
    breakIt("firewall-403");
    const failure = await expectKind(azure.listKeyVersions(VAULT_URL, KEY), "forbidden-by-firewall");
    expect(failure.details).toMatchObject({ statusCode: 403, code: "Forbidden", innerCode: "ForbiddenByFirewall" });
    expect(failure.message).toContain("Client address is not authorized and caller is not a trusted service.");
    expect(failure.message).not.toContain("Pagination failed");
  });

  it("access revoked from the caller → forbidden-by-policy (access policy vault)", async () => {
    const { azure, world } = sandbox();
    const operator = (await azure.getVault(VAULT)).accessPolicies.find((p) => p.objectId === world.operator.objectId);
    expect(operator).toBeDefined();
    await azure.updateAccessPolicy(VAULT, "remove", operator as never);
    await expectKind(azure.getKey(VAULT_URL, KEY), "forbidden-by-policy");
    const listed = await expectKind(azure.listKeyVersions(VAULT_URL, KEY), "forbidden-by-policy");
    expect(listed.message).toContain("does not have keys list permission");
  });

  it("role removed from the caller → forbidden-by-rbac (RBAC vault)", async () => {
    const { azure, world } = sandbox({ access: "rbac" });
    const mine = await azure.listRoleAssignments(`/subscriptions/${world.subscriptionId}`, {
      principalId: world.operator.objectId,
    });
    const admin = mine.find((a) => a.roleDefinitionId.toLowerCase().endsWith(ROLE.keyVaultAdministrator));
    await azure.deleteRoleAssignment(admin?.id as string);
    await expectKind(azure.getKey(VAULT_URL, KEY), "forbidden-by-rbac");
    await expectKind(azure.listKeyVersions(VAULT_URL, KEY), "forbidden-by-rbac");
  });

  it("a paged Resource Manager list that keeps failing says what the service said, not the paging helper", async () => {
    const { azure, store } = sandbox();
    store.update((world) => {
      world.settings.faults = [{ match: "GET https://management.azure.com/", status: 503, retryAfterSeconds: 0 }];
    });
    for (const call of [
      azure.listRegistries(),
      azure.findVaultByName(VAULT.name),
      azure.findDeletedVault(VAULT.name),
    ]) {
      const failure = await expectKind(call, "unavailable");
      expect(failure.details).toMatchObject({ statusCode: 503, code: "ServiceUnavailable" });
      expect(failure.message).toContain("The sandbox injected a service-unavailable fault.");
      expect(failure.message).not.toContain("Pagination failed");
    }
  });

  it("a passing 503 is retried by the SDK; throttling that outlasts the retries → throttled", async () => {
    const { azure, store } = sandbox();
    store.update((world) => {
      world.settings.faults = [
        { match: "GET https://management.azure.com/", status: 503, retryAfterSeconds: 0, remaining: 1 },
      ];
    });
    expect((await azure.getRegistry(REGISTRY)).name).toBe("acrcmkdemo");
    store.update((world) => {
      world.settings.faults = [{ match: "/keys/", status: 429, retryAfterSeconds: 0, remaining: 10 }];
    });
    const failure = await expectKind(azure.getKey(VAULT_URL, KEY), "throttled");
    expect(failure.details.statusCode).toBe(429);
  });

  it("every response is reported for the audit log, with no query string", async () => {
    const records: ResponseRecord[] = [];
    const { azure } = sandbox({}, (record) => records.push(record));
    await azure.getRegistry(REGISTRY);
    await azure.getKey(VAULT_URL, KEY);
    expect(records[0]).toMatchObject({ method: "GET", status: 200 });
    expect(records[0]?.url).toBe(
      `https://management.azure.com/subscriptions/${(azure as CmkAzure).subscriptionId}/resourceGroups/${RG}/providers/Microsoft.ContainerRegistry/registries/acrcmkdemo`,
    );
    expect(records.some((r) => r.url === `${VAULT_URL}keys/${KEY}/` && r.status === 200)).toBe(true);
    expect(records.every((r) => !r.url.includes("?"))).toBe(true);
  });
});

describe("break → the registry's data plane fails → the documented fix through the port → healthy", () => {
  async function expectDataPlane(azure: CmkAzure, ok: boolean) {
    const registry = await azure.getRegistry(REGISTRY);
    const check = await azure.checkRegistryDataPlane(registry);
    expect(check.ok, JSON.stringify(check)).toBe(ok);
    return registry;
  }

  it("key deleted: recover the deleted key", async () => {
    const { azure, breakIt } = sandbox();
    breakIt("key-deleted");
    await expectDataPlane(azure, false);
    await azure.recoverDeletedKey(VAULT_URL, KEY);
    await expectDataPlane(azure, true);
  });

  it("key disabled: enable it again", async () => {
    const { azure, breakIt } = sandbox();
    breakIt("key-disabled");
    await expectDataPlane(azure, false);
    expect((await azure.getKey(VAULT_URL, KEY)).enabled).toBe(false);
    await azure.updateKey(VAULT_URL, KEY, undefined, { enabled: true });
    await expectDataPlane(azure, true);
  });

  it("access revoked (access policy): give the identity get, wrapKey, unwrapKey again", async () => {
    const { azure, breakIt, world } = sandbox();
    breakIt("access-revoked");
    const registry = await expectDataPlane(azure, false);
    const principalId = registry.identity.userAssigned[0]?.principalId as string;
    await azure.updateAccessPolicy(VAULT, "add", {
      tenantId: world.tenantId,
      objectId: principalId,
      permissions: { keys: ["get", "wrapKey", "unwrapKey"], secrets: [], certificates: [] },
    });
    await expectDataPlane(azure, true);
  });

  it("access revoked (RBAC): assign Key Vault Crypto Service Encryption User at the vault again", async () => {
    const { azure, breakIt, world } = sandbox({ access: "rbac" });
    breakIt("access-revoked");
    const registry = await expectDataPlane(azure, false);
    await azure.createRoleAssignment(vaultScope({ subscriptionId: world.subscriptionId, ...VAULT }), {
      roleDefinitionId: ROLE.cryptoServiceEncryptionUser,
      principalId: registry.identity.userAssigned[0]?.principalId as string,
      principalType: "ServicePrincipal",
    });
    await expectDataPlane(azure, true);
  });

  it("firewall switched on after encryption: allow trusted services, then rotate onto the same key and identity", async () => {
    const { azure, breakIt } = sandbox();
    breakIt("firewall-403");
    const registry = await expectDataPlane(azure, false);
    await azure.updateVaultNetworkAcls(VAULT, { bypass: "AzureServices" });
    await azure.rotateRegistryKey(REGISTRY, {
      keyIdentifier: registry.encryption.keyIdentifier as string,
      identity: registry.encryption.identity as string,
    });
    await expectDataPlane(azure, true);
  });

  it("vault deleted: recover the vault (its keys and access policies come back)", async () => {
    const { azure, breakIt } = sandbox();
    breakIt("vault-deleted");
    await expectDataPlane(azure, false);
    const deleted = await azure.findDeletedVault(VAULT.name);
    await azure.recoverDeletedVault({ ...VAULT, location: deleted?.location as string });
    await expectDataPlane(azure, true);
  });

  it("identity removed: ACR refuses key rotation until the identity is assigned again", async () => {
    const { azure, breakIt, world } = sandbox();
    breakIt("identity-removed");
    const identity = Object.values(world.identities)[0];
    const fresh = await azure.createKeyVersion(VAULT_URL, KEY);
    const rotation = { keyIdentifier: fresh.id, identity: identity?.clientId as string };
    await expectKind(azure.rotateRegistryKey(REGISTRY, rotation), "identity-inaccessible");
    await azure.assignRegistryIdentities(REGISTRY, { userAssigned: [identity?.id as string] });
    const rotated = await azure.rotateRegistryKey(REGISTRY, rotation);
    expect(rotated.encryption.versionedKeyIdentifier).toBe(fresh.id);
    await expectDataPlane(azure, true);
  });
});
