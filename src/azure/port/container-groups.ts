// Microsoft.ContainerInstance/containerGroups through @azure/arm-containerinstance (classic client: `properties`
// flattened). Read only: a group's encryption is fixed when it is deployed
// (https://learn.microsoft.com/azure/container-instances/container-instances-encrypt-data), so a run reads the key
// path it names and repairs the key, never the group.
import type { ContainerGroup } from "@azure/arm-containerinstance";
import { callAzure } from "../errors.js";
import { toContainerGroupInfo } from "../resource-graph.js";
import type { CmkAzure, ContainerGroupInfo } from "../types.js";
import type { SdkClients } from "./clients.js";

/** The SDK's flattened group, put back in its REST shape (what Resource Graph returns) and mapped the same way. */
export function fromSdkContainerGroup(group: ContainerGroup, subscriptionId: string): ContainerGroupInfo | null {
  const row = {
    id: group.id ?? "",
    name: group.name ?? "",
    type: "microsoft.containerinstance/containergroups",
    subscriptionId,
    location: group.location ?? "",
    identity: group.identity ?? null,
    properties: {
      ...(group.encryptionProperties ? { encryptionProperties: group.encryptionProperties } : {}),
      containers: (group.containers ?? []).map((c) => ({
        name: c.name,
        properties: { image: c.image, ...(c.resources ? { resources: c.resources } : {}) },
      })),
      ...(group.osType ? { osType: group.osType } : {}),
    },
  };
  return toContainerGroupInfo(row);
}

export type ContainerGroupOperations = Pick<CmkAzure, "getContainerGroup">;

export function containerGroupOperations(clients: SdkClients): ContainerGroupOperations {
  return {
    async getContainerGroup(ref, options) {
      const client = await clients.containerInstances();
      const group = await callAzure(`get container group ${ref.resourceGroup}/${ref.name}`, () =>
        client.containerGroups.get(ref.resourceGroup, ref.name, { abortSignal: options?.abortSignal }),
      );
      return fromSdkContainerGroup(group, clients.subscriptionId);
    },
  };
}
