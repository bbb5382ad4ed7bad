import { RestError } from "@azure/core-rest-pipeline";
import { describe, expect, it } from "vitest";
import { OPERATOR_CLIENT_ADDRESS } from "../../../src/sandbox/http/keyvault-gate.js";
import { listAll, POLL, sandboxClients } from "./clients.js";

describe("Key Vault keys data plane through KeyClient", () => {
  it("answers the 401 challenge first, then serves the key with a real-form kid", async () => {
    const c = sandboxClients();
    const before = c.store.read().counters.requests;
    const key = await c.keys(c.vaultName).getKey(c.keyName);
    expect(c.store.read().counters.requests - before).toBe(2); // 401 challenge + the retried GET
    expect(c.credential.scopes).toContain("https://vault.azure.net/.default");
    expect(key.id).toMatch(new RegExp(`^https://${c.vaultName}.vault.azure.net/keys/${c.keyName}/[0-9a-f]{32}$`));
    expect(key.keyType).toBe("RSA");
    expect(key.properties.enabled).toBe(true);
    expect(key.properties.recoveryLevel).toBe("Recoverable");
    expect(key.properties.createdOn).toBeInstanceOf(Date);
    expect(key.key?.n?.length).toBe(256);
  });

  it("creates new versions, lists versions with paging, updates and gets a version", async () => {
    const c = sandboxClients();
    const keys = c.keys(c.vaultName);
    const v2 = await keys.createRsaKey(c.keyName, { keySize: 3072 });
    const v3 = await keys.createKey(c.keyName, "RSA", { expiresOn: new Date("2030-01-01T00:00:00Z") });
    const versions = await listAll(keys.listPropertiesOfKeyVersions(c.keyName).byPage({ maxPageSize: 1 }));
    expect(versions).toHaveLength(3);
    expect(versions.flat().map((v) => v.version)).toContain(v2.properties.version);
    expect((await keys.getKey(c.keyName)).id).toBe(v3.id);
    expect((await keys.getKey(c.keyName, { version: v2.properties.version! })).key?.n?.length).toBe(384);
    const disabled = await keys.updateKeyProperties(c.keyName, v3.properties.version!, { enabled: false });
    expect(disabled.properties.enabled).toBe(false);
    expect(disabled.properties.expiresOn?.toISOString()).toBe("2030-01-01T00:00:00.000Z");
    // A disabled key is still readable (https://learn.microsoft.com/en-us/azure/key-vault/keys/about-keys-details).
    expect((await keys.getKey(c.keyName)).properties.enabled).toBe(false);
    const names = await listAll(keys.listPropertiesOfKeys());
    expect(names.map((k) => k.name)).toEqual([c.keyName]);
  });

  it("refuses unsupported RSA sizes and oct keys with 400 BadParameter", async () => {
    const c = sandboxClients();
    await expect(c.keys(c.vaultName).createRsaKey("k2", { keySize: 1024 })).rejects.toMatchObject({
      statusCode: 400,
      code: "BadParameter",
    });
    await expect(c.keys(c.vaultName).createKey("k3", "oct")).rejects.toMatchObject({ statusCode: 400 });
    const ec = await c.keys(c.vaultName).createEcKey("k4", { curve: "P-256" });
    expect(ec.keyType).toBe("EC");
  });

  it("soft-deletes a key: 404 on the key, the deleted bundle carries recoveryId and dates; the name cannot be reused", async () => {
    const c = sandboxClients();
    const keys = c.keys(c.vaultName);
    const deleted = await (await keys.beginDeleteKey(c.keyName, POLL)).pollUntilDone();
    expect(deleted.properties.recoveryId).toBe(`https://${c.vaultName}.vault.azure.net/deletedkeys/${c.keyName}`);
    expect(deleted.properties.deletedOn).toBeInstanceOf(Date);
    expect(deleted.properties.scheduledPurgeDate!.getTime() - deleted.properties.deletedOn!.getTime()).toBe(
      90 * 86_400_000,
    );
    await expect(keys.getKey(c.keyName)).rejects.toMatchObject({ statusCode: 404, code: "KeyNotFound" });
    expect((await keys.getDeletedKey(c.keyName)).name).toBe(c.keyName);
    expect((await listAll(keys.listDeletedKeys())).map((k) => k.name)).toEqual([c.keyName]);
    const conflict = await keys.createRsaKey(c.keyName).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(RestError);
    expect((conflict as RestError).statusCode).toBe(409);
    expect((conflict as RestError).message).toContain("is currently in a deleted but recoverable state");
    expect(
      ((conflict as RestError).details as { error?: { innerError?: { code?: string } } }).error?.innerError?.code,
    ).toBe("ObjectIsDeletedButRecoverable");
    await expect(keys.getDeletedKey("never-existed")).rejects.toMatchObject({
      statusCode: 404,
      message: expect.stringContaining("Deleted Key not found: never-existed"),
    });
  });

  it("recovers a deleted key through the SDK's poller, which waits through the pending 404", async () => {
    const c = sandboxClients();
    const keys = c.keys(c.vaultName);
    await (await keys.beginDeleteKey(c.keyName, POLL)).pollUntilDone();
    const before = c.store.read().counters.requests;
    const recovered = await (await keys.beginRecoverDeletedKey(c.keyName, POLL)).pollUntilDone();
    expect(recovered.name).toBe(c.keyName);
    // GET (404: deleted), POST recover, GET (404: recovery pending), GET (200).
    expect(c.store.read().counters.requests - before).toBe(4);
    expect((await keys.getKey(c.keyName)).properties.enabled).toBe(true);
  });

  it("refuses a purge under purge protection, allows it without, and counts every attempt", async () => {
    const protectedVault = sandboxClients({
      mutate: (w) => {
        const vault = Object.values(w.vaults)[0]!;
        vault.accessPolicies[0]!.permissions.keys.push("purge");
      },
    });
    const keys = protectedVault.keys(protectedVault.vaultName);
    await (await keys.beginDeleteKey(protectedVault.keyName, POLL)).pollUntilDone();
    // eslint-disable-next-line no-restricted-syntax -- the simulator must answer a purge as Key Vault does
    await expect(keys.purgeDeletedKey(protectedVault.keyName)).rejects.toMatchObject({ statusCode: 403 });
    expect(protectedVault.store.read().counters.purgeRequests).toBe(1);

    const open = sandboxClients({
      scenario: "no-purge-protection",
      mutate: (w) => Object.values(w.vaults)[0]!.accessPolicies[0]!.permissions.keys.push("purge"),
    });
    const openKeys = open.keys(open.vaultName);
    await (await openKeys.beginDeleteKey(open.keyName, POLL)).pollUntilDone();
    // eslint-disable-next-line no-restricted-syntax -- the simulator must answer a purge as Key Vault does
    await openKeys.purgeDeletedKey(open.keyName);
    await expect(openKeys.getDeletedKey(open.keyName)).rejects.toMatchObject({ statusCode: 404 });
    expect(open.store.read().counters.purgeRequests).toBe(1);
  });

  it("backs up without private material and restores into a free name only", async () => {
    const c = sandboxClients();
    const keys = c.keys(c.vaultName);
    const original = await keys.getKey(c.keyName);
    const blob = await keys.backupKey(c.keyName);
    expect(blob).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(blob!).toString("utf8")).not.toMatch(/"d"|"p"|"q"|private/i);
    await expect(keys.restoreKeyBackup(blob!)).rejects.toMatchObject({ statusCode: 409 });
    await (await keys.beginDeleteKey(c.keyName, POLL)).pollUntilDone();
    await expect(keys.restoreKeyBackup(blob!)).rejects.toMatchObject({ statusCode: 409 });
    await expect(keys.restoreKeyBackup(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ statusCode: 400 });

    const fresh = sandboxClients({
      scenario: "no-purge-protection",
      mutate: (w) => Object.values(w.vaults)[0]!.accessPolicies[0]!.permissions.keys.push("purge"),
    });
    const freshKeys = fresh.keys(fresh.vaultName);
    const freshBlob = await freshKeys.backupKey(fresh.keyName);
    const before = await freshKeys.getKey(fresh.keyName);
    await (await freshKeys.beginDeleteKey(fresh.keyName, POLL)).pollUntilDone();
    // eslint-disable-next-line no-restricted-syntax -- frees the name so restore has somewhere to go
    await freshKeys.purgeDeletedKey(fresh.keyName);
    const restored = await freshKeys.restoreKeyBackup(freshBlob!);
    expect(restored.id).toBe(before.id);
    expect(original.id).toMatch(/\/keys\//);
  });

  it("the vault firewall answers 403 ForbiddenByFirewall before authorization, surfaced on the RestError", async () => {
    const c = sandboxClients({
      mutate: (w) => {
        const vault = Object.values(w.vaults)[0]!;
        vault.networkAcls = { defaultAction: "Deny", bypass: "AzureServices", ipRules: [], virtualNetworkRules: [] };
      },
    });
    const error = await c
      .keys(c.vaultName)
      .getKey(c.keyName)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RestError);
    const rest = error as RestError;
    expect(rest.statusCode).toBe(403);
    expect(rest.code).toBe("Forbidden");
    expect((rest.details as { error?: { innerError?: { code?: string } } }).error?.innerError?.code).toBe(
      "ForbiddenByFirewall",
    );
    expect(rest.message).toContain(
      `Client address is not authorized and caller is not a trusted service.\r\nClient address: ${OPERATOR_CLIENT_ADDRESS}`,
    );
  });

  it("an operator without an access policy gets 403 ForbiddenByPolicy; on an RBAC vault without a role, ForbiddenByRbac", async () => {
    const policy = sandboxClients({ mutate: (w) => (Object.values(w.vaults)[0]!.accessPolicies = []) });
    await expect(policy.keys(policy.vaultName).getKey(policy.keyName)).rejects.toMatchObject({
      statusCode: 403,
      details: { error: { innerError: { code: "ForbiddenByPolicy" } } },
    });
    const rbac = sandboxClients({ scenario: "rbac", mutate: (w) => (w.roleAssignments = {}) });
    await expect(rbac.keys(rbac.vaultName).getKey(rbac.keyName)).rejects.toMatchObject({
      statusCode: 403,
      message: expect.stringContaining("Action: 'Microsoft.KeyVault/vaults/keys/read'"),
      details: { error: { innerError: { code: "ForbiddenByRbac" } } },
    });
  });

  it("a deleted vault's data plane fails like DNS: RestError ENOTFOUND", async () => {
    const c = sandboxClients();
    await c.kv.vaults.delete(c.rg, c.vaultName);
    const error = await c
      .keys(c.vaultName, { retryOptions: { maxRetries: 0 } })
      .getKey(c.keyName)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RestError);
    expect((error as RestError).code).toBe("ENOTFOUND");
    expect((error as RestError).message).toBe(`getaddrinfo ENOTFOUND ${c.vaultName}.vault.azure.net`);
  });
});
