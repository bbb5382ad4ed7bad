// Microsoft.ContainerRegistry/registries through @azure/arm-containerregistry 12 (TypeSpec client: `properties` are
// flattened onto the model; update/create are long-running operations). Writes follow what the az CLI sends.
import type {
  IdentityProperties,
  Registry,
  RegistryUpdateParameters,
  UserIdentityProperties,
} from "@azure/arm-containerregistry";
import { z } from "zod";
import { callAzure, InvalidRequestError } from "../errors.js";
import {
  assertRegistryName,
  assertResourceGroup,
  isGuid,
  parseIdentityId,
  parseKeyId,
  resourceGroupOf,
  sameResourceId,
} from "../ids.js";
import type {
  CallOptions,
  CmkAzure,
  IdentityChange,
  IdentityType,
  RegistryInfo,
  RegistryRef,
  UserAssignedIdentityRef,
} from "../types.js";
import type { SdkClients } from "./clients.js";
import { validate } from "./validation.js";

function identityTypeOf(type: string | undefined): IdentityType {
  const parts = new Set(
    (type ?? "None")
      .split(",")
      .map((part) => part.trim().toLowerCase())
      .filter(Boolean),
  );
  const system = parts.has("systemassigned");
  const user = parts.has("userassigned");
  if (system && user) return "SystemAssigned, UserAssigned";
  if (system) return "SystemAssigned";
  if (user) return "UserAssigned";
  return "None";
}

function composeIdentityType(system: boolean, user: boolean): IdentityType {
  if (system && user) return "SystemAssigned, UserAssigned";
  if (system) return "SystemAssigned";
  if (user) return "UserAssigned";
  return "None";
}

export function toRegistryInfo(registry: Registry): RegistryInfo {
  const id = registry.id ?? "";
  const identity = registry.identity;
  const keyVault = registry.encryption?.keyVaultProperties;
  const userAssigned: UserAssignedIdentityRef[] = Object.entries(identity?.userAssignedIdentities ?? {}).map(
    ([identityId, value]) => ({
      id: identityId,
      ...(value?.principalId ? { principalId: value.principalId } : {}),
      ...(value?.clientId ? { clientId: value.clientId } : {}),
    }),
  );
  return {
    id,
    name: registry.name ?? "",
    resourceGroup: resourceGroupOf(id) ?? "",
    location: registry.location,
    sku: registry.sku.name,
    ...(registry.loginServer ? { loginServer: registry.loginServer } : {}),
    ...(registry.provisioningState ? { provisioningState: registry.provisioningState } : {}),
    identity: {
      type: identityTypeOf(identity?.type),
      ...(identity?.principalId ? { principalId: identity.principalId } : {}),
      ...(identity?.tenantId ? { tenantId: identity.tenantId } : {}),
      userAssigned,
    },
    encryption: {
      status: registry.encryption?.status?.toLowerCase() === "enabled" ? "enabled" : "disabled",
      ...(keyVault?.keyIdentifier ? { keyIdentifier: keyVault.keyIdentifier } : {}),
      ...(keyVault?.versionedKeyIdentifier ? { versionedKeyIdentifier: keyVault.versionedKeyIdentifier } : {}),
      ...(keyVault?.identity ? { identity: keyVault.identity } : {}),
      ...(keyVault?.keyRotationEnabled === undefined ? {} : { keyRotationEnabled: keyVault.keyRotationEnabled }),
      ...(keyVault?.lastKeyRotationTimestamp
        ? { lastKeyRotationTimestamp: new Date(keyVault.lastKeyRotationTimestamp).toISOString() }
        : {}),
    },
  };
}

function checkRef(ref: RegistryRef): RegistryRef {
  return { resourceGroup: assertResourceGroup(ref.resourceGroup), name: assertRegistryName(ref.name) };
}

const identityChangeSchema = z
  .object({
    userAssigned: z.array(z.string()).optional(),
    systemAssigned: z.boolean().optional(),
  })
  .refine((change) => change.systemAssigned === true || (change.userAssigned?.length ?? 0) > 0, {
    message: "name at least one identity: systemAssigned: true or userAssigned: [<resource id>]",
  });

function checkIdentityChange(change: IdentityChange): { system: boolean; users: string[] } {
  const parsed = validate(identityChangeSchema, change, "identity change");
  const users = (parsed.userAssigned ?? []).map((id) => {
    parseIdentityId(id);
    return id.trim().replace(/\/+$/, "");
  });
  return { system: parsed.systemAssigned === true, users };
}

/** `az acr encryption rotate-key --identity` accepts a client id, `[system]`/`system`, or a UAI resource id. */
export type ResolveClientId = (identityResourceId: string, options?: CallOptions) => Promise<string>;

export type RegistryOperations = Pick<
  CmkAzure,
  "getRegistry" | "listRegistries" | "assignRegistryIdentities" | "removeRegistryIdentities" | "rotateRegistryKey"
>;

export function registryOperations(clients: SdkClients, resolveClientId: ResolveClientId): RegistryOperations {
  const sdk = clients.registries.registries;
  const lroOptions = (options?: CallOptions) => ({
    abortSignal: options?.abortSignal,
    ...(clients.updateIntervalInMs === undefined ? {} : { updateIntervalInMs: clients.updateIntervalInMs }),
  });

  async function getRegistry(ref: RegistryRef, options?: CallOptions): Promise<RegistryInfo> {
    const { resourceGroup, name } = checkRef(ref);
    const registry = await callAzure(`get registry ${resourceGroup}/${name}`, () =>
      sdk.get(resourceGroup, name, { abortSignal: options?.abortSignal }),
    );
    return toRegistryInfo(registry);
  }

  async function patch(
    ref: RegistryRef,
    body: RegistryUpdateParameters,
    operation: string,
    options?: CallOptions,
  ): Promise<RegistryInfo> {
    const registry = await callAzure(`${operation} ${ref.resourceGroup}/${ref.name}`, async () =>
      sdk.update(ref.resourceGroup, ref.name, body, lroOptions(options)),
    );
    return toRegistryInfo(registry);
  }

  return {
    getRegistry,

    async listRegistries(options) {
      return callAzure("list registries", async () => {
        const out: RegistryInfo[] = [];
        for await (const registry of sdk.list({ abortSignal: options?.abortSignal }))
          out.push(toRegistryInfo(registry));
        return out;
      });
    },

    // az acr identity assign: GET, merge, PATCH the identity with every user-assigned identity as `{}`.
    async assignRegistryIdentities(ref, change, options) {
      const checked = checkRef(ref);
      const wanted = checkIdentityChange(change);
      const current = await getRegistry(checked, options);
      const hasSystem = current.identity.type.includes("SystemAssigned");
      const users = current.identity.userAssigned.map((identity) => identity.id);
      const added = wanted.users.filter((id) => !users.some((existing) => sameResourceId(existing, id)));
      if (added.length === 0 && (!wanted.system || hasSystem)) return current; // already in place
      const all = [...users, ...added];
      const identity: IdentityProperties = {
        type: composeIdentityType(hasSystem || wanted.system, all.length > 0),
        ...(all.length > 0 ? { userAssignedIdentities: Object.fromEntries(all.map((id) => [id, {}])) } : {}),
      };
      return patch(checked, { identity }, "assign identities to registry", options);
    },

    // az acr identity remove refuses locally what is not assigned; ACR refuses removing the CMK identity (→ AzureFailure
    // identity-inaccessible). ARM removes one user-assigned identity with `{<id>: null}`, all of them with type None.
    async removeRegistryIdentities(ref, change, options) {
      const checked = checkRef(ref);
      const unwanted = checkIdentityChange(change);
      const current = await getRegistry(checked, options);
      const hasSystem = current.identity.type.includes("SystemAssigned");
      const users = current.identity.userAssigned.map((identity) => identity.id);
      if (!hasSystem && users.length === 0) {
        throw new InvalidRequestError(`The registry ${checked.name} has no system or user assigned identities.`);
      }
      if (unwanted.system && !hasSystem) {
        throw new InvalidRequestError(`The registry ${checked.name} does not have a system identity assigned.`);
      }
      const removed = unwanted.users.map((id) => {
        const match = users.find((existing) => sameResourceId(existing, id));
        if (!match) {
          throw new InvalidRequestError(
            `The registry ${checked.name} does not have specified user identity '${id}' assigned, so it cannot be removed.`,
          );
        }
        return match;
      });
      const remaining = users.filter((id) => !removed.includes(id));
      const type = composeIdentityType(hasSystem && !unwanted.system, remaining.length > 0);
      const identity: IdentityProperties =
        type === "None"
          ? { type }
          : {
              type,
              ...(removed.length > 0
                ? {
                    // The SDK's serializer passes null through: `{ "<id>": null }` is ARM's "remove this one".
                    userAssignedIdentities: Object.fromEntries(removed.map((id) => [id, null])) as unknown as Record<
                      string,
                      UserIdentityProperties
                    >,
                  }
                : {}),
            };
      return patch(checked, { identity }, "remove identities from registry", options);
    },

    // az acr encryption rotate-key: PATCH encryption.keyVaultProperties { keyIdentifier, identity }.
    async rotateRegistryKey(ref, params, options) {
      const checked = checkRef(ref);
      const parsed = validate(
        z.object({ keyIdentifier: z.string().min(1), identity: z.string().trim().min(1) }),
        params,
        "key rotation",
      );
      const key = parseKeyId(parsed.keyIdentifier);
      let identity = parsed.identity;
      if (identity.toLowerCase() === "[system]" || identity.toLowerCase() === "system") {
        identity = "system"; // the reserved word ACR accepts for the system-assigned identity
      } else if (!isGuid(identity)) {
        parseIdentityId(identity); // a UAI resource id: ACR wants its client id
        identity = await resolveClientId(identity, options);
      }
      const current = await getRegistry(checked, options);
      if (current.encryption.status !== "enabled") {
        throw new InvalidRequestError(
          `key rotation is only applicable to registries with CMK enabled; ${checked.name} is not encrypted with a customer-managed key`,
        );
      }
      return patch(
        checked,
        { encryption: { status: "enabled", keyVaultProperties: { keyIdentifier: key.id, identity } } },
        "rotate key of registry",
        options,
      );
    },
  };
}
