// GET /subscriptions/{sub}/resources?$filter=resourceType eq '…' — the generic list `vaults.list()` calls (spec operation Vaults_List, api-version 2015-11-01).
import { requireSubscription } from "./arm-scope.js";
import { page, type RouteContext, type RouteResult } from "./context.js";
import { badRequest } from "./problems.js";

interface GenericResource {
  id: string;
  name: string;
  type: string;
  location: string;
  tags: Record<string, string>;
}

export function listResources(ctx: RouteContext, params: Record<string, string>): RouteResult {
  const world = ctx.store.read();
  requireSubscription(world, params.sub as string);
  const filter = ctx.url.searchParams.get("$filter");
  let type: string | undefined;
  if (filter) {
    const match = /^\s*resourceType\s+eq\s+'([^']+)'\s*$/i.exec(filter);
    if (!match)
      throw badRequest(`The $filter '${filter}' is not supported by the sandbox.`, "InvalidFilterInQueryString");
    type = (match[1] as string).toLowerCase();
  }
  const all: GenericResource[] = [
    ...Object.values(world.vaults)
      .filter((v) => !v.deleted && !v.purged)
      .map((v) => ({ id: v.id, name: v.name, type: "Microsoft.KeyVault/vaults", location: v.location, tags: {} })),
    ...Object.values(world.registries).map((r) => ({
      id: r.id,
      name: r.name,
      type: "Microsoft.ContainerRegistry/registries",
      location: r.location,
      tags: {},
    })),
    ...Object.values(world.identities).map((i) => ({
      id: i.id,
      name: i.name,
      type: "Microsoft.ManagedIdentity/userAssignedIdentities",
      location: i.location,
      tags: {},
    })),
  ];
  const items = type ? all.filter((r) => r.type.toLowerCase() === type) : all;
  return { status: 200, body: page(ctx, items, { sizeParam: "$top", defaultSize: 1000 }) };
}
