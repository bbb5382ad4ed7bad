// Microsoft.ManagedIdentity/userAssignedIdentities: GET and lists (the SDK flattens `properties`).
import { inSubscription } from "../fleet.js";
import type { IdentityRecord, World } from "../world.js";
import { requireResourceGroup, requireSubscription, sameText } from "./arm-scope.js";
import type { RouteContext, RouteResult } from "./context.js";
import { resourceNotFound } from "./problems.js";

const TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities";

export function identityBody(identity: IdentityRecord): unknown {
  return {
    id: identity.id,
    name: identity.name,
    type: TYPE,
    location: identity.location,
    tags: {},
    properties: { tenantId: identity.tenantId, principalId: identity.principalId, clientId: identity.clientId },
  };
}

export function listIdentities(ctx: RouteContext, params: Record<string, string>): RouteResult {
  const world: World = ctx.store.read();
  if (params.rg) requireResourceGroup(world, params.sub as string, params.rg);
  else requireSubscription(world, params.sub as string);
  const value = Object.values(world.identities)
    .filter((i) => inSubscription(i.id, params.sub as string) && (!params.rg || sameText(i.resourceGroup, params.rg)))
    .map(identityBody);
  return { status: 200, body: { value } };
}

export function getIdentity(ctx: RouteContext, params: Record<string, string>): RouteResult {
  const world = ctx.store.read();
  const rg = requireResourceGroup(world, params.sub as string, params.rg as string);
  const identity = Object.values(world.identities).find(
    (i) => sameText(i.resourceGroup, rg) && sameText(i.name, params.name),
  );
  if (!identity) throw resourceNotFound(TYPE, params.name as string, rg);
  return { status: 200, body: identityBody(identity) };
}
