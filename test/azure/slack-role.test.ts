// docs/slack-role.json, the least-privilege custom role for the app's identity, must cover every Azure operation the
// runbooks can call. The calls are read from src/azure's SDK call sites (not listed by hand): a new SDK call with no
// entry below fails this test, and so does an operation the role lacks or a permission nothing calls.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { z } from "zod";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SOURCES = [
  ...readdirSync(`${ROOT}src/azure/port`).map((f) => `src/azure/port/${f}`),
  "src/azure/cmk-azure.ts",
  "src/azure/subscriptions.ts",
].filter((f) => f.endsWith(".ts"));

// SDK method (per file, as called) → the Azure RBAC operation(s) it needs, from the resource providers' operations
// (https://learn.microsoft.com/azure/role-based-access-control/permissions/containers,
// .../permissions/security#microsoftkeyvault, .../permissions/identity, .../permissions/management-and-governance).
const OPERATIONS: Record<string, readonly string[]> = {
  "src/azure/cmk-azure.ts clients.vaults.vaults.listBySubscription": ["Microsoft.KeyVault/vaults/read"],
  "src/azure/subscriptions.ts client.subscriptions.list": ["Microsoft.Resources/subscriptions/read"],
  "src/azure/port/identities.ts client.get": ["Microsoft.ManagedIdentity/userAssignedIdentities/read"],
  "src/azure/port/identities.ts sdk.listBySubscription": ["Microsoft.ManagedIdentity/userAssignedIdentities/read"],
  "src/azure/port/container-groups.ts client.containerGroups.get": ["Microsoft.ContainerInstance/containerGroups/read"],
  "src/azure/port/registries.ts sdk.get": ["Microsoft.ContainerRegistry/registries/read"],
  "src/azure/port/registries.ts sdk.list": ["Microsoft.ContainerRegistry/registries/read"],
  // Setting a user-assigned identity or the key on a registry also needs the right to assign that identity.
  "src/azure/port/registries.ts sdk.update": [
    "Microsoft.ContainerRegistry/registries/write",
    "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action",
  ],
  "src/azure/port/registry-data-plane.ts client.listRepositoryNames": [
    "Microsoft.ContainerRegistry/registries/pull/read",
    "Microsoft.ContainerRegistry/registries/catalog/read",
  ],
  "src/azure/port/role-assignments.ts sdk.create": ["Microsoft.Authorization/roleAssignments/write"],
  "src/azure/port/role-assignments.ts sdk.delete": ["Microsoft.Authorization/roleAssignments/delete"],
  "src/azure/port/role-assignments.ts sdk.listForScope": ["Microsoft.Authorization/roleAssignments/read"],
  "src/azure/port/vaults.ts sdk.get": ["Microsoft.KeyVault/vaults/read"],
  "src/azure/port/vaults.ts sdk.listBySubscription": ["Microsoft.KeyVault/vaults/read"],
  // Recovering a deleted vault is createOrUpdate with createMode "recover"; the long-running answer is polled.
  "src/azure/port/vaults.ts sdk.createOrUpdate": [
    "Microsoft.KeyVault/vaults/write",
    "Microsoft.KeyVault/locations/operationResults/read",
  ],
  "src/azure/port/vaults.ts sdk.update": ["Microsoft.KeyVault/vaults/write"],
  "src/azure/port/vaults.ts sdk.updateAccessPolicy": ["Microsoft.KeyVault/vaults/accessPolicies/write"],
  "src/azure/port/vaults.ts sdk.getDeleted": ["Microsoft.KeyVault/locations/deletedVaults/read"],
  "src/azure/port/vaults.ts sdk.listDeleted": ["Microsoft.KeyVault/deletedVaults/read"],
  "src/azure/port/keys.ts client.getKey": ["Microsoft.KeyVault/vaults/keys/read"],
  "src/azure/port/keys.ts client.listPropertiesOfKeyVersions": ["Microsoft.KeyVault/vaults/keys/read"],
  "src/azure/port/keys.ts client.createRsaKey": ["Microsoft.KeyVault/vaults/keys/create/action"],
  "src/azure/port/keys.ts client.updateKeyProperties": ["Microsoft.KeyVault/vaults/keys/update/action"],
  "src/azure/port/keys.ts client.beginDeleteKey": ["Microsoft.KeyVault/vaults/keys/delete"],
  "src/azure/port/keys.ts client.backupKey": ["Microsoft.KeyVault/vaults/keys/backup/action"],
  "src/azure/port/keys.ts keyClient.restoreKeyBackup": ["Microsoft.KeyVault/vaults/keys/restore/action"],
  "src/azure/port/keys.ts client.getDeletedKey": ["Microsoft.KeyVault/vaults/deletedKeys/read"],
  "src/azure/port/keys.ts client.beginRecoverDeletedKey": ["Microsoft.KeyVault/vaults/deletedKeys/recover/action"],
  "src/azure/port/timeline.ts clients.monitor.activityLogs.list": ["Microsoft.Insights/eventtypes/values/read"],
  "src/azure/port/timeline.ts clients.monitor.diagnosticSettings.list": ["Microsoft.Insights/diagnosticSettings/read"],
  "src/azure/port/timeline.ts clients.resourceGraph.resources": ["Microsoft.ResourceGraph/resources/read"],
  // A resource-context query reads the table through the resource (https://learn.microsoft.com/en-us/azure/azure-monitor/logs/manage-access).
  "src/azure/port/key-vault-audit.ts clients.logs.queryResource": [
    "Microsoft.Insights/logs/AzureDiagnostics/read",
    "Microsoft.Insights/logs/AZKVAuditLogs/read",
  ],
};

// The receivers src/azure calls the SDK through: an SDK client (`sdk`, `client`, `keyClient(url)`) or the client set.
const CALL =
  /\b(sdk|client|keyClient\([^)]*\)|clients\.[a-zA-Z]+(?:\.[a-zA-Z]+)?|client\.subscriptions|client\.containerGroups)\.([a-zA-Z]+)\(/g;
const NOT_SDK = new Set(["pollUntilDone", "toLowerCase"]);

function sdkCalls(): Set<string> {
  const calls = new Set<string>();
  for (const file of SOURCES) {
    const text = readFileSync(`${ROOT}${file}`, "utf8");
    for (const [, receiver, method] of text.matchAll(CALL)) {
      if (NOT_SDK.has(method!)) continue;
      calls.add(`${file} ${receiver!.replace(/\(.*$/, "")}.${method}`);
    }
  }
  return calls;
}

const role = z
  .object({
    Name: z.string().min(1),
    IsCustom: z.literal(true),
    Actions: z.array(z.string()),
    NotActions: z.array(z.string()),
    DataActions: z.array(z.string()),
    NotDataActions: z.array(z.string()),
    AssignableScopes: z.array(z.string()).min(1),
  })
  .parse(JSON.parse(readFileSync(`${ROOT}docs/slack-role.json`, "utf8")));

describe("docs/slack-role.json", () => {
  const calls = sdkCalls();

  it("finds the SDK calls in src/azure, and every one has its operations listed here", () => {
    expect(calls.size).toBeGreaterThanOrEqual(25);
    const unmapped = [...calls].filter((call) => !(call in OPERATIONS));
    expect(unmapped, "new SDK calls: add their Azure operations here and to docs/slack-role.json").toEqual([]);
    const stale = Object.keys(OPERATIONS).filter((call) => !calls.has(call));
    expect(stale, "entries for calls src/azure no longer makes").toEqual([]);
  });

  it("grants every operation those calls need, and nothing they do not", () => {
    const needed = new Set([...calls].flatMap((call) => OPERATIONS[call] ?? []));
    const granted = new Set([...role.Actions, ...role.DataActions]);
    expect([...needed].filter((op) => !granted.has(op)).sort()).toEqual([]);
    expect([...granted].filter((op) => !needed.has(op)).sort()).toEqual([]);
    // Data actions (the Key Vault and registry data planes) are only valid in DataActions.
    const isDataAction = (op: string) => /\/vaults\/(keys|deletedKeys)\/|\/registries\/catalog\//.test(op);
    expect(role.Actions.filter(isDataAction)).toEqual([]);
    expect(role.DataActions.filter((op) => !isDataAction(op))).toEqual([]);
  });

  it("never grants a purge or a wildcard", () => {
    for (const op of [...role.Actions, ...role.DataActions]) {
      expect(op).not.toMatch(/purge|\*/i);
    }
  });
});
