// POST /providers/Microsoft.ResourceGraph/resources — Azure Resource Graph's query endpoint
// (https://learn.microsoft.com/en-us/rest/api/azureresourcegraph/resourcegraph/resources/resources), what
// `@azure/arm-resourcegraph`'s `resources()` and `az graph query` send. The query's first word names the table;
// each table the sandbox simulates registers its handler in RESOURCE_GRAPH_TABLES, so modules add tables without
// touching this one; the `resources` table (the fleet's queries, recognised by their text) is resource-graph-resources.ts. Results come back as `objectArray` (the default), paged by $top/$skip/$skipToken.
import { z } from "zod";
import { readJson, type RouteContext, type RouteResult } from "./context.js";
import { parseKql, runKql } from "./kql.js";
import { requireMonitoringRead } from "./monitor-access.js";
import { ServiceError } from "./problems.js";
import { resourceChangeRows } from "./resource-changes.js";
import { graphPage, queryResources } from "./resource-graph-resources.js";
import type { World } from "../world.js";

/** A table's rows for the subscriptions the request names (already checked against the world). */
export type ResourceGraphTable = (world: World, now: Date) => Array<Record<string, unknown>>;

export const RESOURCE_GRAPH_TABLES: Record<string, ResourceGraphTable> = {
  resourcechanges: resourceChangeRows,
};

const requestSchema = z.object({
  subscriptions: z.array(z.string()).optional(),
  managementGroups: z.array(z.string()).optional(),
  query: z.string().min(1),
  options: z
    .object({
      $top: z.number().int().positive().optional(),
      $skip: z.number().int().nonnegative().optional(),
      $skipToken: z.string().optional(),
      resultFormat: z.enum(["objectArray", "table"]).optional(),
    })
    .loose()
    .optional(),
});

const MAX_TOP = 1000;

export function queryResourceGraph(ctx: RouteContext): RouteResult {
  const body = readJson(ctx, requestSchema, "arm");
  // The `resources` table answers the fleet's own queries by their text (resource-graph-resources.ts).
  if (/^\s*resources\b/i.test(body.query)) return queryResources(ctx);
  const world = ctx.store.read();
  const scopes = body.subscriptions ?? [world.subscriptionId];
  requireMonitoringRead(world, "resource-graph", `/subscriptions/${scopes[0] ?? world.subscriptionId}`);
  if (body.options?.resultFormat === "table") {
    throw new ServiceError(
      400,
      "BadRequest",
      "The acr-cmk sandbox answers Resource Graph queries as objectArray only.",
    );
  }
  const now = new Date(Date.now() + world.clock.offsetMs);
  const query = parseKql(body.query, now, "Resource Graph");
  const table = RESOURCE_GRAPH_TABLES[query.table.toLowerCase()];
  if (!table) {
    throw new ServiceError(
      400,
      "BadRequest",
      `The acr-cmk sandbox does not simulate the Resource Graph table '${query.table}' (tables: ${["resources", ...Object.keys(RESOURCE_GRAPH_TABLES)].join(", ")}).`,
    );
  }
  const inScope = scopes.some((s) => s.toLowerCase() === world.subscriptionId.toLowerCase());
  const rows = inScope ? runKql(query, table(world, now)).rows : [];
  return graphPage(rows, { ...body.options, $top: Math.min(body.options?.$top ?? 100, MAX_TOP) });
}
