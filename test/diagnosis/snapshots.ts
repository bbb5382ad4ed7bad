// Hand-built snapshots for the rules' unit tests: a healthy CMK registry, and small edits that break one thing.
import type { IdentityInfo, KeyInfo, KeyVersionInfo, RegistryInfo, VaultInfo } from "../../src/azure/types.js";
import type { DiagnosisSnapshot } from "../../src/diagnosis/snapshot.js";

export const SUB = "00000000-0000-0000-0000-000000000001";
export const NOW = "2026-03-01T00:00:00.000Z";
export const VAULT_ID = `/subscriptions/${SUB}/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-acr`;
export const UAI_ID = `/subscriptions/${SUB}/resourceGroups/rg-acr/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-acr`;
export const UAI_PRINCIPAL = "11111111-1111-1111-1111-111111111111";
export const UAI_CLIENT = "22222222-2222-2222-2222-222222222222";
export const SYSTEM_PRINCIPAL = "33333333-3333-3333-3333-333333333333";
export const V1 = "a".repeat(32);
export const V2 = "b".repeat(32);
export const VAULT_URL = "https://kv-acr.vault.azure.net/";

export function registry(overrides: Partial<RegistryInfo> = {}): RegistryInfo {
  return {
    id: `/subscriptions/${SUB}/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/acrprod`,
    name: "acrprod",
    resourceGroup: "rg-acr",
    location: "westeurope",
    sku: "Premium",
    identity: {
      type: "UserAssigned",
      userAssigned: [{ id: UAI_ID, principalId: UAI_PRINCIPAL, clientId: UAI_CLIENT }],
    },
    encryption: {
      status: "enabled",
      keyIdentifier: `${VAULT_URL}keys/acr-key`,
      versionedKeyIdentifier: `${VAULT_URL}keys/acr-key/${V1}`,
      identity: UAI_CLIENT,
      keyRotationEnabled: true,
    },
    ...overrides,
  };
}

/** The registry's user-assigned identity (id-acr) as Azure describes it. */
export function userIdentity(overrides: Partial<IdentityInfo> = {}): IdentityInfo {
  return {
    id: UAI_ID,
    name: "id-acr",
    resourceGroup: "rg-acr",
    principalId: UAI_PRINCIPAL,
    clientId: UAI_CLIENT,
    tenantId: "t",
    ...overrides,
  };
}

export function vault(overrides: Partial<VaultInfo> = {}): VaultInfo {
  return {
    id: VAULT_ID,
    name: "kv-acr",
    resourceGroup: "rg-keys",
    location: "westeurope",
    vaultUri: VAULT_URL,
    tenantId: "tenant",
    enableSoftDelete: true,
    softDeleteRetentionInDays: 90,
    enablePurgeProtection: true,
    enableRbacAuthorization: false,
    publicNetworkAccess: "Enabled",
    networkAcls: { defaultAction: "Allow", bypass: "AzureServices", ipRules: [], virtualNetworkRules: [] },
    accessPolicies: [
      {
        tenantId: "tenant",
        objectId: UAI_PRINCIPAL,
        permissions: { keys: ["get", "wrapKey", "unwrapKey"], secrets: [], certificates: [] },
      },
    ],
    ...overrides,
  };
}

export function key(overrides: Partial<KeyInfo> = {}): KeyInfo {
  return {
    id: `${VAULT_URL}keys/acr-key/${V1}`,
    vaultUrl: VAULT_URL,
    name: "acr-key",
    version: V1,
    keyType: "RSA",
    keyOps: ["wrapKey", "unwrapKey"],
    enabled: true,
    createdOn: "2025-01-01T00:00:00.000Z",
    ...overrides,
  };
}

export function version(overrides: Partial<KeyVersionInfo> = {}): KeyVersionInfo {
  return {
    id: `${VAULT_URL}keys/acr-key/${V1}`,
    version: V1,
    enabled: true,
    createdOn: "2025-01-01T00:00:00.000Z",
    ...overrides,
  };
}

/** A healthy user-identity, access-policy registry; `edit` breaks what a test needs broken. */
export function healthy(edit: (s: DiagnosisSnapshot) => void = () => {}): DiagnosisSnapshot {
  const reg = registry();
  const snapshot: DiagnosisSnapshot = {
    now: NOW,
    subscriptionId: SUB,
    registry: reg,
    keyRef: { vaultName: "kv-acr", vaultUrl: VAULT_URL, name: "acr-key" },
    keyVersionInUse: V1,
    vault: { ok: true, value: vault() },
    key: { ok: true, value: key() },
    keyVersions: { ok: true, value: [version()] },
    identity: {
      kind: "user",
      clientId: UAI_CLIENT,
      assigned: reg.identity.userAssigned[0]!,
      resource: {
        ok: true,
        value: userIdentity({ tenantId: "tenant" }),
      },
    },
    dataPlane: { ok: true, value: { ok: true, status: 200 } },
  };
  edit(snapshot);
  return snapshot;
}

export const notFound = (kind: "key-not-found" | "not-found" = "key-not-found") =>
  ({
    ok: false,
    error: {
      kind,
      statusCode: 404,
      code: kind === "key-not-found" ? "KeyNotFound" : "ResourceNotFound",
      message: "not found",
    },
  }) as const;
