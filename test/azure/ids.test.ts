import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import {
  formatKeyId,
  formatRegistryId,
  formatVaultUrl,
  InvalidIdError,
  parseIdentityId,
  parseKeyId,
  parseRegistryId,
  parseRoleAssignmentId,
  parseVaultId,
  parseVaultUrl,
  roleDefinitionIdFor,
  sameKey,
  sameResourceId,
  toRoleAssignmentScope,
  vaultScope,
} from "../../src/azure/ids.js";

const SUB = "00000000-1111-2222-3333-444444444444";
const REGISTRY_ID = `/subscriptions/${SUB}/resourceGroups/rg-prod/providers/Microsoft.ContainerRegistry/registries/contoso01`;
const VERSION = "6fc2be54c6be4a7ea7bbb8a2a99a1996";

describe("registry resource ids", () => {
  it("parses a registry id and formats it back", () => {
    const id = parseRegistryId(REGISTRY_ID);
    expect(id).toEqual({ subscriptionId: SUB, resourceGroup: "rg-prod", name: "contoso01" });
    expect(formatRegistryId(id)).toBe(REGISTRY_ID);
  });

  it("accepts segments in any case, a missing leading slash and a trailing slash, as ARM does", () => {
    const lower = `subscriptions/${SUB}/resourcegroups/rg-prod/providers/microsoft.containerregistry/REGISTRIES/contoso01/`;
    expect(parseRegistryId(lower)).toEqual({ subscriptionId: SUB, resourceGroup: "rg-prod", name: "contoso01" });
  });

  it("refuses an id of another resource type with a message that shows the expected shape", () => {
    const vaultId = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-prod`;
    expect(() => parseRegistryId(vaultId)).toThrow(InvalidIdError);
    expect(() => parseRegistryId(vaultId)).toThrow(/Microsoft\.ContainerRegistry\/registries\/<name>/);
  });

  it("refuses a subscription that is not a GUID and a registry name with hyphens", () => {
    expect(() => parseRegistryId(REGISTRY_ID.replace(SUB, "my-sub"))).toThrow(/not a GUID/);
    expect(() => parseRegistryId(REGISTRY_ID.replace("contoso01", "contoso-01"))).toThrow(/registry name/);
  });

  it("is a UsageError, so the CLI exits 2", () => {
    expect(() => parseRegistryId("nonsense")).toThrow(UsageError);
  });

  it("compares ids case-insensitively", () => {
    expect(sameResourceId(REGISTRY_ID, REGISTRY_ID.toLowerCase() + "/")).toBe(true);
    expect(sameResourceId(REGISTRY_ID, REGISTRY_ID.replace("contoso01", "contoso02"))).toBe(false);
  });
});

describe("vault and identity ids", () => {
  it("parses vault and identity resource ids", () => {
    expect(
      parseVaultId(`/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-prod`).name,
    ).toBe("kv-prod");
    const uai = `/subscriptions/${SUB}/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/acr-cmk-id`;
    expect(parseIdentityId(uai)).toEqual({ subscriptionId: SUB, resourceGroup: "rg", name: "acr-cmk-id" });
  });

  it("refuses a vault name Key Vault would refuse", () => {
    const bad = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv--double`;
    expect(() => parseVaultId(bad)).toThrow(/key vault name/);
  });
});

describe("vault URLs", () => {
  it("normalises a vault URL to Azure's vaultUri form", () => {
    expect(parseVaultUrl("https://KV-Prod.vault.azure.net")).toEqual({
      vaultUrl: "https://kv-prod.vault.azure.net/",
      vaultName: "kv-prod",
      dnsSuffix: "vault.azure.net",
    });
    expect(formatVaultUrl("kv-prod")).toBe("https://kv-prod.vault.azure.net/");
  });

  it("knows the sovereign clouds' suffixes", () => {
    expect(parseVaultUrl("https://kv-cn.vault.azure.cn/").dnsSuffix).toBe("vault.azure.cn");
    expect(parseVaultUrl("https://kv-gov.vault.usgovcloudapi.net/").vaultName).toBe("kv-gov");
  });

  it("refuses http, other hosts and paths", () => {
    expect(() => parseVaultUrl("http://kv-prod.vault.azure.net/")).toThrow(/https/);
    expect(() => parseVaultUrl("https://kv-prod.example.com/")).toThrow(InvalidIdError);
    expect(() => parseVaultUrl("https://kv-prod.vault.azure.net/keys/k")).toThrow(/key id is/);
    expect(() => parseVaultUrl("not a url")).toThrow(InvalidIdError);
  });
});

describe("key ids", () => {
  it("parses a versioned key id (manual rotation)", () => {
    const kid = `https://kv-prod.vault.azure.net/keys/acr-key/${VERSION}`;
    expect(parseKeyId(kid)).toEqual({
      id: kid,
      vaultUrl: "https://kv-prod.vault.azure.net/",
      vaultName: "kv-prod",
      dnsSuffix: "vault.azure.net",
      name: "acr-key",
      version: VERSION,
    });
  });

  it("parses a versionless key id (automatic rotation) with or without a trailing slash", () => {
    const parsed = parseKeyId("https://kv-prod.vault.azure.net/keys/acr-key/");
    expect(parsed.version).toBeUndefined();
    expect(parsed.id).toBe("https://kv-prod.vault.azure.net/keys/acr-key");
    expect("version" in parsed).toBe(false);
  });

  it("refuses secrets, extra segments and malformed versions", () => {
    expect(() => parseKeyId("https://kv-prod.vault.azure.net/secrets/acr-key")).toThrow(/keys\/<name>/);
    expect(() => parseKeyId(`https://kv-prod.vault.azure.net/keys/acr-key/${VERSION}/extra`)).toThrow(InvalidIdError);
    expect(() => parseKeyId("https://kv-prod.vault.azure.net/keys/acr-key/v1")).toThrow(/32 hexadecimal/);
    expect(() => parseKeyId("https://kv-prod.vault.azure.net/keys/acr_key")).toThrow(/key name/);
  });

  it("formats key ids and compares keys across versions", () => {
    expect(formatKeyId("https://kv-prod.vault.azure.net/", "acr-key", VERSION)).toBe(
      `https://kv-prod.vault.azure.net/keys/acr-key/${VERSION}`,
    );
    expect(formatKeyId("https://kv-prod.vault.azure.net", "acr-key")).toBe(
      "https://kv-prod.vault.azure.net/keys/acr-key",
    );
    expect(
      sameKey(
        `https://KV-PROD.vault.azure.net/keys/ACR-key/${VERSION}`,
        "https://kv-prod.vault.azure.net/keys/acr-key",
      ),
    ).toBe(true);
    expect(sameKey("https://kv-prod.vault.azure.net/keys/a-key", "https://kv-prod.vault.azure.net/keys/b-key")).toBe(
      false,
    );
  });
});

describe("role assignment scopes", () => {
  it("formats a vault scope without the leading slash the SDK would double", () => {
    expect(vaultScope({ subscriptionId: SUB, resourceGroup: "rg", name: "kv-prod" })).toBe(
      `subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-prod`,
    );
    expect(toRoleAssignmentScope(`/subscriptions/${SUB}/resourceGroups/rg/`)).toBe(
      `subscriptions/${SUB}/resourceGroups/rg`,
    );
    expect(() => toRoleAssignmentScope("/providers/Microsoft.KeyVault")).toThrow(InvalidIdError);
  });

  it("splits a role assignment id into scope and name", () => {
    const name = "b7a3c1e2-0d5f-4a8e-9c61-3f2e1d0c9b8a";
    const id = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-prod/providers/Microsoft.Authorization/roleAssignments/${name}`;
    expect(parseRoleAssignmentId(id)).toEqual({
      scope: `subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-prod`,
      name,
    });
    expect(() =>
      parseRoleAssignmentId(`/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments/x`),
    ).toThrow(/not a GUID/);
  });

  it("expands a bare role definition GUID to its subscription-scoped id", () => {
    expect(roleDefinitionIdFor(SUB, "e147488a-f6f5-4113-8e2d-b22465e65bf6")).toBe(
      `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/e147488a-f6f5-4113-8e2d-b22465e65bf6`,
    );
    expect(() => roleDefinitionIdFor(SUB, "Key Vault Crypto Service Encryption User")).toThrow(InvalidIdError);
  });
});
