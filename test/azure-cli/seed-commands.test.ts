// The Microsoft documents' own Azure CLI commands, run by the real `az` (Debian's 2.45) against the sandbox through
// `sandbox serve --proxy`, with the sandbox's ground truth (`sandbox status`) and `acr-cmk diagnose` checked after
// each. Key Vault key and role assignment commands go through `az rest`: that package's `az keyvault key …` fails with
// "No module named 'azure.keyvault.v7_0'" and `az role assignment …` with "'RoleDefinitionsOperations' object has no
// attribute 'config'" (packaging defects of the Debian build, not of the service).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { azureCliAvailable, ProxiedAzure, type Result } from "../fixtures/proxied-azure.js";
import { operationTemplate } from "./operations.js";

const RG = "rg-acr-cmk-demo";
const REGISTRY = "acrcmkdemo";
const VAULT = "kv-acr-cmk-demo";
const KEY = "acr-cmk";
const KV = `https://${VAULT}.vault.azure.net`;
const KV_API = "api-version=7.4";
const ROLE_API = "api-version=2022-04-01";
/** az prints JSON documents of many shapes; the tests read a few fields of each. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
type Doc = Record<string, any>;
const CRYPTO_SERVICE_ENCRYPTION_USER = "e147488a-f6f5-4113-8e2d-b22465e65bf6";

describe.skipIf(!azureCliAvailable())("the seeds' az commands against the sandbox", () => {
  let px: ProxiedAzure;
  const operations = new Set<string>();

  beforeAll(async () => {
    px = await ProxiedAzure.start();
    await px.azLogin();
  });
  afterAll(async () => {
    for (const r of px?.takeRequests() ?? []) operations.add(operationTemplate(r));
    console.info(`az seed commands exercised ${operations.size} operations:\n${[...operations].sort().join("\n")}`);
    await px?.close();
  });

  function note(): void {
    for (const r of px.takeRequests()) operations.add(operationTemplate(r));
  }

  async function az(...args: string[]): Promise<unknown> {
    const result = await px.az(args);
    note();
    if (result.code !== 0) throw new Error(`az ${args.join(" ")} exited ${result.code}\n${result.stderr}`);
    return result.stdout.trim() ? JSON.parse(result.stdout) : null;
  }

  async function azFails(args: string[], pattern: RegExp): Promise<Result> {
    const result = await px.az(args);
    note();
    expect(result.code, `az ${args.join(" ")} should fail\n${result.stdout}`).not.toBe(0);
    expect(result.stderr).toMatch(pattern);
    return result;
  }

  /** `az rest` on the Key Vault data plane (the token's resource is Key Vault's). */
  const kv = (method: string, path: string, body?: unknown) =>
    az(
      "rest",
      "--method",
      method,
      "--url",
      `${KV}${path}${path.includes("?") ? "&" : "?"}${KV_API}`,
      "--resource",
      "https://vault.azure.net",
      ...(body === undefined ? [] : ["--body", JSON.stringify(body)]),
    );

  /** `az acr encryption rotate-key` of the demo registry. */
  const rotateKey = (keyId: string, identity: string) =>
    az(
      "acr",
      "encryption",
      "rotate-key",
      "--name",
      REGISTRY,
      "--resource-group",
      RG,
      "--key-encryption-key",
      keyId,
      "--identity",
      identity,
    );

  /** GET on the data plane until the object is there (at most 10 tries). */
  async function untilFound(path: string): Promise<Doc> {
    for (let attempt = 1; ; attempt++) {
      const result = await px.az([
        "rest",
        "--method",
        "get",
        "--url",
        `${KV}${path}?${KV_API}`,
        "--resource",
        "https://vault.azure.net",
      ]);
      note();
      if (result.code === 0) return JSON.parse(result.stdout) as Doc;
      if (attempt === 10 || !/KeyNotFound/.test(result.stderr)) throw new Error(`GET ${path}: ${result.stderr}`);
    }
  }

  /** Ground truth and diagnose after a command: healthy or not, and the finding diagnose must name. */
  async function expectWorld(healthy: boolean, finding?: string): Promise<void> {
    const status = await px.status();
    expect(status.registries[0]?.healthy, JSON.stringify(status.registries[0])).toBe(healthy);
    const diagnosis = await px.sandboxCli(["diagnose", "-g", RG, "-r", REGISTRY, "--output", "json"]);
    const body = JSON.parse(diagnosis.stdout) as { healthy: boolean; findings: Array<{ id: string }> };
    const ids = body.findings.map((f) => f.id);
    if (finding) expect(ids).toContain(finding);
    if (healthy && !finding) {
      expect(body.healthy, ids.join(", ")).toBe(true);
      expect(diagnosis.code).toBe(0);
    } else expect(diagnosis.code).toBe(1);
  }

  it("encryption and identity: show, remove (refused, the identity is gone), rotate-key fails, assign, rotate-key", async () => {
    const world = await px.reset();
    const identity = Object.values(world.identities)[0]!;
    const registry = Object.values(world.registries)[0]!;
    const name = ["--name", REGISTRY, "--resource-group", RG];

    const encryption = (await az("acr", "encryption", "show", ...name)) as Doc;
    expect(encryption).toMatchObject({
      status: "enabled",
      keyVaultProperties: { keyIdentifier: registry.encryption.keyIdentifier, identity: identity.clientId },
    });
    const shown = (await az("acr", "identity", "show", ...name)) as Doc;
    expect(shown.type).toBe("UserAssigned");
    expect(Object.keys(shown.userAssignedIdentities)).toEqual([identity.id]);
    await expectWorld(true);

    await azFails(
      ["acr", "identity", "remove", ...name, "--identities", identity.id],
      /does not have access to identity/,
    );
    // A registry with no identity has no `identity` at all, as ACR answers it: `az acr identity show` prints null.
    expect(await az("acr", "identity", "show", ...name)).toBeNull();
    // The data keeps working through the identity's grace period; diagnose sees the missing identity.
    await expectWorld(true, "IDENTITY_NOT_ASSIGNED");

    const rotate = [
      "acr",
      "encryption",
      "rotate-key",
      ...name,
      "--key-encryption-key",
      registry.encryption.keyIdentifier!,
    ];
    await azFails(
      [...rotate, "--identity", identity.clientId],
      /does not have access to identity .* Try forcibly adding the identity to the registry/,
    );

    await az("acr", "identity", "assign", ...name, "--identities", identity.id);
    await az(...rotate, "--identity", identity.clientId);
    await expectWorld(true);
  });

  it("key: delete, show-deleted, recover (az rest on the data plane)", async () => {
    await px.reset([], [], { keyDeletionMs: 0 });
    const deleted = (await kv("delete", `/keys/${KEY}`)) as Doc;
    expect(deleted.recoveryId).toBe(`${KV}/deletedkeys/${KEY}`);
    await expectWorld(false, "KEY_SOFT_DELETED");
    const record = (await kv("get", `/deletedkeys/${KEY}`)) as Doc;
    expect(record.key.kid).toMatch(new RegExp(`^${KV}/keys/${KEY}/[0-9a-f]{32}$`));
    await kv("post", `/deletedkeys/${KEY}/recover`);
    // Recovery takes Key Vault a moment: clients poll the key until it answers (as `az keyvault key recover` does).
    const key = await untilFound(`/keys/${KEY}`);
    expect(key.attributes.enabled).toBe(true);
    await expectWorld(true);
  });

  it("key: disable and enable a version, create a version (az rest)", async () => {
    await px.reset(["--key-version", "pinned"]);
    const current = (await kv("get", `/keys/${KEY}`)) as Doc;
    const version = String(current.key.kid).split("/").pop();
    await kv("patch", `/keys/${KEY}/${version}`, { attributes: { enabled: false } });
    await expectWorld(false, "KEY_DISABLED");
    await kv("patch", `/keys/${KEY}/${version}`, { attributes: { enabled: true } });
    await expectWorld(true);
    const created = (await kv("post", `/keys/${KEY}/create`, { kty: "RSA", key_size: 2048 })) as Doc;
    expect(created.key.kid).not.toBe(current.key.kid);
    // A pinned registry stays on its version until rotate-key names the new one.
    await rotateKey(created.key.kid, Object.values(px.world().identities)[0]!.clientId);
    const registry = Object.values(px.world().registries)[0]!;
    expect(registry.encryption.versionedKeyIdentifier).toBe(created.key.kid);
    await expectWorld(true);
  });

  it("vault: delete, list-deleted, show-deleted, show (gone), recover", async () => {
    await px.reset();
    await az("keyvault", "delete", "--name", VAULT);
    await expectWorld(false, "VAULT_SOFT_DELETED");
    const listed = (await az("keyvault", "list-deleted")) as Array<Doc>;
    expect(listed.map((v) => v.name)).toEqual([VAULT]);
    const deleted = (await az("keyvault", "show-deleted", "--name", VAULT)) as Doc;
    expect(deleted.properties.purgeProtectionEnabled).toBe(true);
    await azFails(["keyvault", "show", "--name", VAULT], /not found/i);
    await az("keyvault", "recover", "--name", VAULT);
    expect(((await az("keyvault", "show", "--name", VAULT)) as Doc).name).toBe(VAULT);
    expect(await az("keyvault", "list-deleted")).toEqual([]);
    await expectWorld(true);
  });

  it("access policies: delete-policy cuts the registry off, set-policy gives the access back", async () => {
    const world = await px.reset();
    const principal = Object.values(world.identities)[0]!.principalId;
    await az("keyvault", "delete-policy", "--name", VAULT, "--object-id", principal);
    await expectWorld(false, "ACCESS_MISSING");
    await az(
      "keyvault",
      "set-policy",
      "--name",
      VAULT,
      "--object-id",
      principal,
      "--key-permissions",
      "get",
      "unwrapKey",
      "wrapKey",
    );
    const policies = (await az(
      "keyvault",
      "show",
      "--name",
      VAULT,
      "--query",
      "properties.accessPolicies",
    )) as Array<Doc>;
    expect(policies.find((p) => p.objectId === principal)?.permissions.keys.sort()).toEqual([
      "get",
      "unwrapKey",
      "wrapKey",
    ]);
    await expectWorld(true);
  });

  it("firewall: update --default-action Deny blocks the registry; --bypass AzureServices and rotate-key let it through", async () => {
    const world = await px.reset();
    const registry = Object.values(world.registries)[0]!;
    const identity = Object.values(world.identities)[0]!;
    await az(
      "keyvault",
      "update",
      "--name",
      VAULT,
      "--resource-group",
      RG,
      "--default-action",
      "Deny",
      "--bypass",
      "None",
    );
    await expectWorld(false, "FIREWALL_BLOCKS_REGISTRY");
    await az("keyvault", "update", "--name", VAULT, "--resource-group", RG, "--bypass", "AzureServices");
    // Allowing trusted services is not enough for a registry encrypted before the firewall: rotate-key reconfigures it.
    expect((await px.status()).registries[0]?.healthy).toBe(false);
    await rotateKey(registry.encryption.keyIdentifier!, identity.clientId);
    await expectWorld(true);
  });

  it("purge protection: update --enable-purge-protection on a vault without it", async () => {
    await px.reset(["--scenario", "no-purge-protection"]);
    await expectWorld(true, "PURGE_PROTECTION_OFF");
    await az("keyvault", "update", "--name", VAULT, "--resource-group", RG, "--enable-purge-protection", "true");
    const shown = (await az("keyvault", "show", "--name", VAULT)) as Doc;
    expect(shown.properties.enablePurgeProtection).toBe(true);
    await expectWorld(true);
  });

  it("role assignments (az rest): list, delete the identity's, create it again on an RBAC vault", async () => {
    const world = await px.reset(["--access", "rbac"]);
    const vault = Object.values(world.vaults)[0]!;
    const principal = Object.values(world.identities)[0]!.principalId;
    const base = `https://management.azure.com${vault.id}/providers/Microsoft.Authorization/roleAssignments`;
    const list = async () =>
      (
        (await az("rest", "--method", "get", "--url", `${base}?${ROLE_API}&$filter=principalId eq '${principal}'`)) as {
          value: Array<{ id: string; properties: { roleDefinitionId: string } }>;
        }
      ).value;
    const assigned = await list();
    expect(assigned.map((a) => a.properties.roleDefinitionId.split("/").pop())).toEqual([
      CRYPTO_SERVICE_ENCRYPTION_USER,
    ]);
    await az("rest", "--method", "delete", "--url", `https://management.azure.com${assigned[0]!.id}?${ROLE_API}`);
    expect(await list()).toEqual([]);
    await expectWorld(false, "ACCESS_MISSING");
    const name = crypto.randomUUID();
    await az(
      "rest",
      "--method",
      "put",
      "--url",
      `${base}/${name}?${ROLE_API}`,
      "--body",
      JSON.stringify({
        properties: {
          roleDefinitionId: `/subscriptions/${world.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${CRYPTO_SERVICE_ENCRYPTION_USER}`,
          principalId: principal,
          principalType: "ServicePrincipal",
        },
      }),
    );
    expect((await list()).map((a) => a.id.split("/").pop())).toEqual([name]);
    await expectWorld(true);
  });
});
