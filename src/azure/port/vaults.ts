// Microsoft.KeyVault vaults, access policies and deleted vaults through @azure/arm-keyvault 5 (TypeSpec client; the
// vault model keeps `properties` nested). Nothing here ever purges: recovery only.
import type { DeletedVault, KeyVaultManagementClient, NetworkRuleSet, Vault } from "@azure/arm-keyvault";
import { z } from "zod";
import { callAzure, InvalidRequestError } from "../errors.js";
import { assertResourceGroup, assertVaultName, resourceGroupOf } from "../ids.js";
import type { CallOptions, CmkAzure, DeletedVaultInfo, NetworkAcls, VaultInfo, VaultRef } from "../types.js";
import type { SdkClients } from "./clients.js";
import { guid, validate } from "./validation.js";

function toNetworkAcls(acls: NetworkRuleSet | undefined): NetworkAcls {
  return {
    // No networkAcls at all means no firewall; bypass defaults to AzureServices (Key Vault's documented default).
    defaultAction: acls?.defaultAction?.toLowerCase() === "deny" ? "Deny" : "Allow",
    bypass: acls?.bypass?.toLowerCase() === "none" ? "None" : "AzureServices",
    ipRules: (acls?.ipRules ?? []).map((rule) => rule.value),
    virtualNetworkRules: (acls?.virtualNetworkRules ?? []).map((rule) => rule.id),
  };
}

export function toVaultInfo(vault: Vault): VaultInfo {
  const id = vault.id ?? "";
  const p = vault.properties;
  return {
    id,
    name: vault.name ?? "",
    resourceGroup: resourceGroupOf(id) ?? "",
    location: vault.location ?? "",
    vaultUri: p.vaultUri ?? "",
    tenantId: p.tenantId,
    // Soft delete can no longer be switched off; purge protection is absent or true, never false, on real vaults.
    enableSoftDelete: p.enableSoftDelete ?? true,
    softDeleteRetentionInDays: p.softDeleteRetentionInDays ?? 90,
    enablePurgeProtection: p.enablePurgeProtection ?? false,
    enableRbacAuthorization: p.enableRbacAuthorization ?? false,
    publicNetworkAccess: p.publicNetworkAccess ?? "Enabled",
    networkAcls: toNetworkAcls(p.networkAcls),
    accessPolicies: (p.accessPolicies ?? []).map((entry) => ({
      tenantId: entry.tenantId,
      objectId: entry.objectId,
      permissions: {
        keys: [...(entry.permissions.keys ?? [])],
        secrets: [...(entry.permissions.secrets ?? [])],
        certificates: [...(entry.permissions.certificates ?? [])],
      },
    })),
  };
}

export function toDeletedVaultInfo(deleted: DeletedVault): DeletedVaultInfo {
  const p = deleted.properties;
  return {
    id: deleted.id ?? "",
    name: deleted.name ?? "",
    vaultId: p?.vaultId ?? "",
    location: p?.location ?? "",
    ...(p?.deletionDate ? { deletionDate: new Date(p.deletionDate).toISOString() } : {}),
    ...(p?.scheduledPurgeDate ? { scheduledPurgeDate: new Date(p.scheduledPurgeDate).toISOString() } : {}),
    purgeProtectionEnabled: p?.purgeProtectionEnabled ?? false,
  };
}

function checkRef(ref: VaultRef): VaultRef {
  return { resourceGroup: assertResourceGroup(ref.resourceGroup), name: assertVaultName(ref.name) };
}

const permissionList = z.array(z.string().trim().min(1)).default([]);
const accessPolicyEntrySchema = z.object({
  tenantId: guid,
  objectId: guid,
  permissions: z.object({ keys: permissionList, secrets: permissionList, certificates: permissionList }),
});

const networkChangeSchema = z
  .object({ bypass: z.enum(["AzureServices", "None"]).optional(), defaultAction: z.enum(["Allow", "Deny"]).optional() })
  .refine((change) => change.bypass !== undefined || change.defaultAction !== undefined, {
    message: "change bypass, defaultAction or both",
  });

const locationSchema = z
  .string()
  .trim()
  .regex(/^[a-zA-Z0-9 ]{2,40}$/, "expected an Azure location such as westeurope");

export type VaultOperations = Pick<
  CmkAzure,
  | "getVault"
  | "findVaultByName"
  | "updateVaultNetworkAcls"
  | "enableVaultPurgeProtection"
  | "updateAccessPolicy"
  | "findDeletedVault"
  | "getDeletedVault"
  | "recoverDeletedVault"
>;

export function vaultOperations(
  clients: SdkClients,
  findTenantId: (options?: CallOptions) => Promise<string | undefined>,
  otherSubscriptions: (options?: CallOptions) => Promise<string[]> = async () => [],
): VaultOperations {
  // Vault names are global (they are DNS names), so a vault found in another subscription is that vault: every later
  // call about it goes to the subscription it was found in.
  const foundIn = new Map<string, string>();
  const sdkFor = (name: string) => {
    const where = foundIn.get(name.toLowerCase());
    return (where ? clients.vaultsIn(where) : clients.vaults).vaults;
  };

  /** This subscription first; then, while `look` finds nothing, every other subscription the identity can see. */
  async function acrossSubscriptions<T>(
    name: string,
    options: CallOptions | undefined,
    look: (sdk: KeyVaultManagementClient["vaults"]) => Promise<T | null>,
  ): Promise<T | null> {
    const here = await look(clients.vaults.vaults);
    if (here) {
      foundIn.delete(name.toLowerCase());
      return here;
    }
    for (const subscriptionId of await otherSubscriptions(options)) {
      const there = await look(clients.vaultsIn(subscriptionId).vaults);
      if (there) {
        foundIn.set(name.toLowerCase(), subscriptionId);
        return there;
      }
    }
    return null;
  }

  async function getSdkVault(ref: VaultRef, options?: CallOptions): Promise<Vault> {
    const sdk = sdkFor(ref.name);
    return callAzure(`get key vault ${ref.resourceGroup}/${ref.name}`, () =>
      sdk.get(ref.resourceGroup, ref.name, { abortSignal: options?.abortSignal }),
    );
  }

  async function getVault(ref: VaultRef, options?: CallOptions): Promise<VaultInfo> {
    return toVaultInfo(await getSdkVault(checkRef(ref), options));
  }

  return {
    getVault,

    async findVaultByName(name, options) {
      assertVaultName(name);
      return acrossSubscriptions(name, options, (sdk) =>
        callAzure(`find key vault ${name}`, async () => {
          for await (const vault of sdk.listBySubscription({ abortSignal: options?.abortSignal })) {
            if (vault.name?.toLowerCase() === name.toLowerCase()) return toVaultInfo(vault);
          }
          return null;
        }),
      );
    },

    // Read, merge, PATCH the whole networkAcls (ip and vnet rules kept as they are).
    async updateVaultNetworkAcls(ref, change, options) {
      const checked = checkRef(ref);
      const sdk = sdkFor(checked.name);
      const parsed = validate(networkChangeSchema, change, "network rule change");
      const current = await getSdkVault(checked, options);
      const networkAcls: NetworkRuleSet = {
        ...current.properties.networkAcls,
        ...(current.properties.networkAcls?.bypass === undefined ? { bypass: "AzureServices" } : {}),
        ...(current.properties.networkAcls?.defaultAction === undefined ? { defaultAction: "Allow" } : {}),
        ...(parsed.bypass ? { bypass: parsed.bypass } : {}),
        ...(parsed.defaultAction ? { defaultAction: parsed.defaultAction } : {}),
      };
      const vault = await callAzure(`update network rules of key vault ${checked.resourceGroup}/${checked.name}`, () =>
        sdk.update(
          checked.resourceGroup,
          checked.name,
          { properties: { networkAcls } },
          { abortSignal: options?.abortSignal },
        ),
      );
      return toVaultInfo(vault);
    },

    // Purge protection can only be switched on (Azure refuses to turn it off again).
    async enableVaultPurgeProtection(ref, options) {
      const checked = checkRef(ref);
      const sdk = sdkFor(checked.name);
      const current = await getSdkVault(checked, options);
      if (current.properties.enablePurgeProtection === true) return toVaultInfo(current);
      const vault = await callAzure(
        `enable purge protection on key vault ${checked.resourceGroup}/${checked.name}`,
        () =>
          sdk.update(
            checked.resourceGroup,
            checked.name,
            { properties: { enablePurgeProtection: true } },
            { abortSignal: options?.abortSignal },
          ),
      );
      return toVaultInfo(vault);
    },

    /** PUT …/accessPolicies/{add|remove|replace}; answers the vault's access policies as they are afterwards. */
    async updateAccessPolicy(ref, kind, entry, options) {
      const checked = checkRef(ref);
      const sdk = sdkFor(checked.name);
      const operationKind = validate(z.enum(["add", "remove", "replace"]), kind, "access policy operation");
      const policy = validate(accessPolicyEntrySchema, entry, "access policy entry");
      await callAzure(`${operationKind} access policy on key vault ${checked.resourceGroup}/${checked.name}`, () =>
        sdk.updateAccessPolicy(
          checked.resourceGroup,
          checked.name,
          operationKind,
          { properties: { accessPolicies: [policy] } },
          { abortSignal: options?.abortSignal },
        ),
      );
      return (await getVault(checked, options)).accessPolicies;
    },

    async findDeletedVault(name, options) {
      assertVaultName(name);
      return acrossSubscriptions(name, options, (sdk) =>
        callAzure(`find deleted key vault ${name}`, async () => {
          for await (const deleted of sdk.listDeleted({ abortSignal: options?.abortSignal })) {
            if (deleted.name?.toLowerCase() === name.toLowerCase()) return toDeletedVaultInfo(deleted);
          }
          return null;
        }),
      );
    },

    async getDeletedVault(name, location, options) {
      assertVaultName(name);
      const sdk = sdkFor(name);
      const where = validate(locationSchema, location, "location");
      const deleted = await callAzure(`get deleted key vault ${name} in ${where}`, () =>
        sdk.getDeleted(name, where, { abortSignal: options?.abortSignal }),
      );
      return toDeletedVaultInfo(deleted);
    },

    // az keyvault recover: PUT with createMode "recover"; Key Vault brings back keys, policies and settings, and ignores
    // the other properties of the body (they are still required by the schema).
    async recoverDeletedVault(params, options) {
      const checked = checkRef(params);
      const sdk = sdkFor(checked.name);
      const location = validate(locationSchema, params.location, "location");
      const tenantId = params.tenantId ? validate(guid, params.tenantId, "tenant id") : await findTenantId(options);
      if (!tenantId) {
        throw new InvalidRequestError(
          `cannot recover key vault ${checked.name}: no tenant id given and none found in the subscription`,
        );
      }
      const vault = await callAzure(`recover key vault ${checked.resourceGroup}/${checked.name}`, async () =>
        sdk.createOrUpdate(
          checked.resourceGroup,
          checked.name,
          { location, properties: { tenantId, sku: { family: "A", name: "standard" }, createMode: "recover" } },
          {
            abortSignal: options?.abortSignal,
            ...(clients.updateIntervalInMs === undefined ? {} : { updateIntervalInMs: clients.updateIntervalInMs }),
          },
        ),
      );
      return toVaultInfo(vault);
    },
  };
}
