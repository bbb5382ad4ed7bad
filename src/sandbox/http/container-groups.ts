// Microsoft.ContainerInstance/containerGroups, read side: GET one, list by subscription or resource group. Bodies as
// the 2023-05-01 REST API returns them, with `encryptionProperties` and the user-assigned identity the key is read
// with (https://learn.microsoft.com/rest/api/container-instances/container-groups/get). Deploying and deleting
// groups is not simulated: a group's encryption is fixed at deployment, and acr-cmk only reads it.
import { containerGroups, inSubscription } from "../fleet.js";
import type { ContainerGroupRecord, World } from "../world.js";
import { requireResourceGroup, requireSubscription, sameText } from "./arm-scope.js";
import type { RouteContext, RouteResult } from "./context.js";
import { resourceNotFound } from "./problems.js";

export const CONTAINER_GROUP_TYPE = "Microsoft.ContainerInstance/containerGroups";

export function containerGroupBody(world: World, group: ContainerGroupRecord): Record<string, unknown> {
  // A deleted identity stays listed without its ids, as ARM shows a registry's (registries.ts).
  const userAssignedIdentities: Record<string, { principalId?: string; clientId?: string }> = {};
  for (const id of group.userAssignedIdentities) {
    const identity = world.identities[id];
    userAssignedIdentities[identity?.id ?? id] = identity
      ? { principalId: identity.principalId, clientId: identity.clientId }
      : {};
  }
  return {
    id: group.id,
    name: group.name,
    type: CONTAINER_GROUP_TYPE,
    location: group.location,
    tags: {},
    identity: { type: "UserAssigned", userAssignedIdentities },
    properties: {
      sku: "Standard",
      provisioningState: "Succeeded",
      osType: "Linux",
      restartPolicy: "Always",
      containers: group.containers.map((c) => ({
        name: c.name,
        properties: {
          image: c.image,
          ports: [],
          environmentVariables: [],
          resources: { requests: { cpu: c.cpu, memoryInGB: c.memoryInGB } },
        },
      })),
      encryptionProperties: { ...group.encryptionProperties },
      instanceView: { events: [], state: "Running" },
    },
  };
}

export function listContainerGroups(ctx: RouteContext, params: Record<string, string>): RouteResult {
  const world = ctx.store.read();
  const sub = params.sub as string;
  if (params.rg) requireResourceGroup(world, sub, params.rg);
  else requireSubscription(world, sub);
  const value = containerGroups(world)
    .filter((g) => inSubscription(g.id, sub) && (!params.rg || sameText(g.resourceGroup, params.rg)))
    .map((g) => containerGroupBody(world, g));
  return { status: 200, body: { value } };
}

export function getContainerGroup(ctx: RouteContext, params: Record<string, string>): RouteResult {
  const world = ctx.store.read();
  const rg = requireResourceGroup(world, params.sub as string, params.rg as string);
  const group = containerGroups(world).find(
    (g) => inSubscription(g.id, params.sub as string) && sameText(g.resourceGroup, rg) && sameText(g.name, params.name),
  );
  if (!group) throw resourceNotFound(CONTAINER_GROUP_TYPE, params.name as string, rg);
  return { status: 200, body: containerGroupBody(world, group) };
}
