// Real Azure answers, from the Azure CLI's own test recordings (MIT; test/fixtures/recordings), replayed against the
// sandbox over a world set up to match each recording's subscription, tenant and resources. Every difference the
// replay finds is either fixed in the sandbox or listed here with its reason (and in docs/azure-behaviour.md): a new
// difference, or one that went away, fails the test.
import { describe, expect, it } from "vitest";
import { createWorld, type World } from "../../src/sandbox/index.js";
import { loadRecording, replay } from "../fixtures/recordings/replay.js";

const SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
const ARM = `/subscriptions/${SUBSCRIPTION}`;

// Differences kept on purpose (docs/azure-behaviour.md, "Differences"):
/** ACR answers identity.type as "userAssigned"; the sandbox keeps the spec's "UserAssigned", because Debian's az 2.45
 * compares the type with case and would then add a system identity on `acr identity assign`. */
const casing = (n: number, path: string, sandbox: string, recorded: string) =>
  `#${n} ${path}: identity.type "${sandbox}", recorded "${recorded}"`;
/** A CMK registry's 201 "Creating" body says encryption "disabled", and has no identity, until the creation completes;
 * the sandbox applies the creation at once and shows the final registry (clients read it after polling; acr-cmk
 * creates no registry). */
const creatingBody = (n: number, path: string) => [
  `#${n} PUT ${path}: properties.encryption.status "enabled", recorded "disabled"`,
  `#${n} PUT ${path}: identity present, recorded absent`,
];
/** Resource groups and identity creation: operations the sandbox does not serve (acr-cmk needs neither). */
const rgGet = (n: number) => `#${n} GET ${ARM}/resourcegroups/${RG}`;
const identityPut = (n: number, name: string) =>
  `#${n} PUT ${ARM}/resourceGroups/${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;
const RG = "clitest.rg000001";

/** A world under the recording's ids: one resource group, no resources but the ones passed. */
function recordingWorld(tenantId: string, operatorObjectId: string, rg = RG): World {
  const base = createWorld();
  const text = JSON.stringify(base)
    .split(base.subscriptionId)
    .join(SUBSCRIPTION)
    .split(base.tenantId)
    .join(tenantId)
    .split(base.operator.objectId)
    .join(operatorObjectId);
  const world = JSON.parse(text) as World;
  world.resourceGroups = [rg];
  world.registries = {};
  world.vaults = {};
  world.identities = {};
  world.settings.keyDeletionMs = 0;
  return world;
}

function addVault(world: World, name: string, location: string, operator: string, rg = RG): void {
  world.vaults[name.toLowerCase()] = {
    id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}/providers/Microsoft.KeyVault/vaults/${name}`,
    name,
    resourceGroup: rg,
    location,
    tenantId: world.tenantId,
    sku: "standard",
    enableSoftDelete: true,
    softDeleteRetentionInDays: 7,
    enablePurgeProtection: false,
    enableRbacAuthorization: false,
    publicNetworkAccess: "Enabled",
    networkAcls: { defaultAction: "Allow", bypass: "AzureServices", ipRules: [], virtualNetworkRules: [] },
    accessPolicies: [
      {
        tenantId: world.tenantId,
        objectId: operator,
        permissions: { keys: ["all"], secrets: ["all"], certificates: ["all"] },
      },
    ],
    createdAt: "2022-06-21T14:44:18.632Z",
    keys: {},
  };
}

function addIdentity(world: World, name: string, principalId: string, clientId: string): void {
  const id = `/subscriptions/${SUBSCRIPTION}/resourcegroups/${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;
  world.identities[id.toLowerCase()] = {
    id,
    name,
    resourceGroup: RG,
    location: "westus",
    principalId,
    clientId,
    tenantId: world.tenantId,
  };
}

describe("Azure CLI recordings replayed against the sandbox", () => {
  it("test_acr_encryption_with_cmk: vault update and set-policy, key create, CMK registry create, rotate-key", async () => {
    const operator = "6b30bdc6-696a-46fb-82d7-739c2fb147b7";
    const world = recordingWorld("54826b22-38d6-4fb2-bad9-b7b93a3e9c5a", operator);
    addVault(world, "clitest000002", "westus", operator);
    addIdentity(
      world,
      "testidentity000005",
      "3ca1d2d0-689f-4a0d-92e1-2c23b73fa6f8",
      "33b5bfe1-ff99-42ec-a264-a19d6bf8e4f7",
    );
    const result = await replay(loadRecording("test_acr_encryption_with_cmk"), world);
    const registry = `${ARM}/resourceGroups/${RG}/providers/Microsoft.ContainerRegistry/registries/testreg000006`;
    expect(result.replayed).toBe(19);
    expect(result.notServed).toEqual([rgGet(6), identityPut(7, "testidentity000005"), rgGet(11)]);
    expect(result.differences).toEqual([
      ...creatingBody(13, registry),
      ...[15, 17].map((n) => casing(n, `GET ${registry}`, "UserAssigned", "userAssigned")),
      casing(19, `PATCH ${registry}`, "UserAssigned", "userAssigned"),
      ...[21, 22].map((n) => casing(n, `GET ${registry}`, "UserAssigned", "userAssigned")),
    ]);
  });

  it("test_acr_identity: registry create, identity assign, show and remove (system and user-assigned)", async () => {
    const world = recordingWorld("72f988bf-86f1-41af-91ab-2d7cd011db47", "11111111-2222-3333-4444-555555555555");
    addIdentity(
      world,
      "testidentity000002",
      "e34fc2aa-45a0-4ffb-ab06-10a995f3c2fb",
      "462db195-ecc0-4513-9341-237c701970e5",
    );
    addIdentity(
      world,
      "testidentity2000003",
      "3abfaf23-744a-40ec-abba-33d33f0d1ab1",
      "085a619d-d082-4a57-b1c3-30f8e08529a1",
    );
    const result = await replay(loadRecording("test_acr_identity"), world);
    const registry = `${ARM}/resourceGroups/${RG}/providers/Microsoft.ContainerRegistry/registries/testreg000004`;
    expect(result.replayed).toBe(45);
    expect(result.notServed).toEqual([
      rgGet(1),
      rgGet(5),
      identityPut(6, "testidentity000002"),
      rgGet(7),
      identityPut(8, "testidentity2000003"),
    ]);
    // The only difference left is identity.type's casing, in every body that has an identity (the 201 bodies of
    // the changes show the registry as it was, as ACR's do).
    const both = ["SystemAssigned, UserAssigned", "systemAssigned, userAssigned"] as const;
    const system = ["SystemAssigned", "systemAssigned"] as const;
    const user = ["UserAssigned", "userAssigned"] as const;
    const cased: [number, string, readonly [string, string]][] = [
      [12, "GET", both],
      [13, "GET", both],
      [14, "GET", both],
      [15, "PUT", both],
      [21, "GET", system],
      [22, "GET", system],
      [23, "PUT", system],
      [28, "GET", user],
      [29, "GET", user],
      [30, "PUT", user],
      [35, "GET", both],
      [36, "PATCH", both],
      [38, "GET", both],
      [39, "GET", both],
      [40, "PUT", both],
      [42, "GET", both],
      [43, "GET", both],
      [44, "PUT", both],
      [46, "GET", system],
      [47, "GET", system],
      [48, "PUT", system],
    ];
    expect(result.differences).toEqual(
      cased.map(([n, method, [sandbox, recorded]]) => casing(n, `${method} ${registry}`, sandbox, recorded)),
    );
  });

  it("test_keyvault_softdelete: keys deleted, recovered and purged; vaults deleted, recovered and purged", async () => {
    const operator = "6b30bdc6-696a-46fb-82d7-739c2fb147b7";
    const rg = "cli_test_keyvault_sd000001";
    const world = recordingWorld("54826b22-38d6-4fb2-bad9-b7b93a3e9c5a", operator, rg);
    addVault(world, "cli-test-kv-sd-000002", "eastus2", operator, rg);
    addVault(world, "cli-test-kv-sd-000003", "eastus2", operator, rg);
    const result = await replay(loadRecording("test_keyvault_softdelete"), world);
    expect(result.replayed).toBe(29);
    // Key Vault answers a purge 202 with a Location status URL (operationResults); the sandbox purges at once and
    // answers 200, which the spec declares too (docs/azure-behaviour.md, differences), so it has no status URL to poll.
    const operationResults = (n: number, id: string) =>
      `#${n} GET ${ARM}/providers/Microsoft.KeyVault/locations/eastus2/operationResults/${id}`;
    expect(result.notServed).toEqual([
      operationResults(22, "VVR8MDYzNzkyMTgzMTc4ODA4NzMwNXw0MDA4NjI4MTcwMzE0NTg5OTY0OTQ0ODJFOEU3RkY0Rg"),
      operationResults(31, "VVR8MDYzNzkyMTgzMTk4MjIzNjU5Nnw3QjZGRTVGMjc0MjU0REMyQjQ2N0QxMzQ0Nzg2RjFGQg"),
    ]);
    const purge = (n: number, vault: string) => {
      const path = `#${n} POST ${ARM}/providers/Microsoft.KeyVault/locations/eastus2/deletedVaults/${vault}/purge`;
      return [`${path}: status 200, recorded 202`, `${path}: no location header`];
    };
    expect(result.differences).toEqual([...purge(21, "cli-test-kv-sd-000002"), ...purge(30, "cli-test-kv-sd-000003")]);
  });

  it("test_keyvault_key_rotation: set-policy, key create, rotation policy, key rotate", async () => {
    const operator = "fe87037c-4c23-46ac-9fcf-5ad3d7e5ba3e";
    const world = recordingWorld("54826b22-38d6-4fb2-bad9-b7b93a3e9c5a", operator, "cli_test_keyvault_key000001");
    addVault(world, "cli-test-kv-key-000002", "eastus2", operator, "cli_test_keyvault_key000001");
    const result = await replay(loadRecording("test_keyvault_key_rotation"), world);
    expect(result.replayed).toBe(7);
    // Rotation policies are not modelled (acr-cmk neither sets nor reads one): answered as not simulated, not as a
    // key version named "rotationpolicy". Without the policy's expiryTime, the rotated version has no `exp`.
    expect(result.notServed).toEqual([
      "#7 PUT /keys/key-000003/rotationpolicy",
      "#8 GET /keys/key-000003/rotationpolicy",
    ]);
    expect(result.differences).toEqual(["#9 POST /keys/key-000003/rotate: missing attributes.exp"]);
  });

  it("test_keyvault_key_delete: set-policy, key create, delete, list-deleted, recover, delete, purge", async () => {
    const operator = "fe87037c-4c23-46ac-9fcf-5ad3d7e5ba3e";
    const world = recordingWorld("54826b22-38d6-4fb2-bad9-b7b93a3e9c5a", operator, "cli_test_keyvault_key000001");
    addVault(world, "cli-test-kv-key-000002", "eastus2", operator, "cli_test_keyvault_key000001");
    const result = await replay(loadRecording("test_keyvault_key_delete"), world);
    expect(result.replayed).toBe(15);
    expect(result.notServed).toEqual([]);
    expect(result.differences).toEqual([]);
  });
});
