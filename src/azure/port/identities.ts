// Microsoft.ManagedIdentity/userAssignedIdentities through @azure/arm-msi (classic client; `properties` flattened).
import type { Identity } from "@azure/arm-msi";
import { callAzure } from "../errors.js";
import { parseIdentityId, resourceGroupOf } from "../ids.js";
import type { CmkAzure, IdentityInfo } from "../types.js";
import type { SdkClients } from "./clients.js";

export function toIdentityInfo(identity: Identity): IdentityInfo {
  const id = identity.id ?? "";
  return {
    id,
    name: identity.name ?? "",
    resourceGroup: resourceGroupOf(id) ?? "",
    principalId: identity.principalId ?? "",
    clientId: identity.clientId ?? "",
    tenantId: identity.tenantId ?? "",
  };
}

export type IdentityOperations = Pick<CmkAzure, "getUserAssignedIdentity" | "listUserAssignedIdentities">;

export function identityOperations(clients: SdkClients): IdentityOperations {
  const sdk = clients.identities.userAssignedIdentities;
  return {
    async getUserAssignedIdentity(resourceId, options) {
      const { resourceGroup, name, subscriptionId } = parseIdentityId(resourceId);
      // The client is bound to the port's subscription; an identity elsewhere needs its own client.
      const client =
        subscriptionId.toLowerCase() === clients.subscriptionId.toLowerCase()
          ? sdk
          : clients.identitiesIn(subscriptionId).userAssignedIdentities;
      const identity = await callAzure(`get identity ${resourceGroup}/${name}`, () =>
        client.get(resourceGroup, name, { abortSignal: options?.abortSignal }),
      );
      return toIdentityInfo(identity);
    },

    async listUserAssignedIdentities(options) {
      return callAzure("list user-assigned identities", async () => {
        const out: IdentityInfo[] = [];
        for await (const identity of sdk.listBySubscription({ abortSignal: options?.abortSignal })) {
          out.push(toIdentityInfo(identity));
        }
        return out;
      });
    },
  };
}
