// Azure Resource Graph's `resources` table (POST /providers/Microsoft.ResourceGraph/resources, api-version 2024-04-01,
// https://learn.microsoft.com/rest/api/azureresourcegraph/resourcegraph/resources/resources), reached through
// resource-graph.ts. The sandbox runs no KQL on this table:
// it answers the queries acr-cmk sends, each recognised by its text (whitespace aside) in RECOGNISED_QUERIES, and
// refuses any other query with a clear "not simulated" error. To serve a new query, add an entry to the table.
// Rows come from the same bodies the ARM GETs return; pages are `$top` rows (default 100, at most 1000) with an
// opaque `$skipToken`; subscriptions the caller cannot read are left out silently, as Resource Graph does.
import { z } from "zod";
import { allSubscriptions, containerGroups, subscriptionOf } from "../fleet.js";
import type { World } from "../world.js";
import { containerGroupBody } from "./container-groups.js";
import { readJson, type RouteContext, type RouteResult } from "./context.js";
import { badRequest } from "./problems.js";
import { registryBody } from "./registry-body.js";
import { vaultBody } from "./vaults.js";

/** One Resource Graph row: the `project`ed columns of a resource (type and resource group lower-cased, as ARG does). */
export type GraphRow = Record<string, unknown>;

interface RecognisedQuery {
  /** What the query is for, named in the "not simulated" error's list. */
  name: string;
  /** Matched against the query with runs of whitespace collapsed to one space; groups are the query's parameters. */
  pattern: RegExp;
  rows(world: World, params: string[]): GraphRow[];
}

const PROJECT = "| project id, name, type, subscriptionId, resourceGroup, location, sku, identity, properties";

/** Every resource the CMK queries can return, as rows. */
function cmkRows(world: World): GraphRow[] {
  const rows: GraphRow[] = [];
  for (const registry of Object.values(world.registries)) {
    if (registry.encryption.status === "enabled")
      rows.push(toRow(registryBody(world, registry), registry.resourceGroup));
  }
  for (const group of containerGroups(world)) rows.push(toRow(containerGroupBody(world, group), group.resourceGroup));
  for (const vault of Object.values(world.vaults)) {
    if (!vault.deleted && !vault.purged) rows.push(toRow(vaultBody(vault), vault.resourceGroup));
  }
  return rows.sort((a, b) => String(a.id).localeCompare(String(b.id)));
}

function toRow(body: unknown, resourceGroup: string): GraphRow {
  const resource = body as Record<string, unknown>;
  const id = String(resource.id);
  const properties = (resource.properties ?? {}) as Record<string, unknown>;
  return {
    id,
    name: resource.name,
    type: String(resource.type).toLowerCase(),
    subscriptionId: subscriptionOf(id),
    resourceGroup: resourceGroup.toLowerCase(),
    location: resource.location,
    // A container group's sku lives in its properties; ARG's top-level sku column is then null.
    sku: resource.sku ?? null,
    identity: resource.identity ?? null,
    properties,
  };
}

const QUOTED_ID = "'(/subscriptions/[^'\\s]+)'";

export const RECOGNISED_QUERIES: readonly RecognisedQuery[] = [
  {
    name: "CMK fleet: registries with encryption enabled, container groups with encryptionProperties, key vaults",
    pattern: new RegExp(
      "^resources " +
        escape(
          "| where (type =~ 'microsoft.containerregistry/registries' and tostring(properties.encryption.status) =~ 'enabled') " +
            "or (type =~ 'microsoft.containerinstance/containergroups' and isnotnull(properties.encryptionProperties)) " +
            "or type =~ 'microsoft.keyvault/vaults' " +
            `${PROJECT} | order by id asc`,
        ) +
        "$",
      "i",
    ),
    rows: (world) => cmkRows(world),
  },
  {
    name: "one CMK resource by id",
    pattern: new RegExp(`^resources ${escape("| where id =~ ")}${QUOTED_ID} ${escape(PROJECT)}$`, "i"),
    rows: (world, [id]) => cmkRows(world).filter((row) => String(row.id).toLowerCase() === id?.toLowerCase()),
  },
];

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const requestSchema = z.object({
  query: z.string().min(1),
  subscriptions: z.array(z.string()).optional(),
  managementGroups: z.array(z.string()).optional(),
  options: z
    .object({
      $skipToken: z.string().optional(),
      $top: z.number().int().min(1).max(1000).optional(),
      $skip: z.number().int().min(0).optional(),
      resultFormat: z.enum(["objectArray", "table"]).optional(),
      allowPartialScopes: z.boolean().optional(),
    })
    .loose()
    .optional(),
});

const DEFAULT_PAGE = 100;

function decodeSkipToken(token: string | undefined): number {
  if (!token) return 0;
  const offset = Number.parseInt(
    Buffer.from(token, "base64url")
      .toString("utf8")
      .replace(/^offset:/, ""),
    10,
  );
  if (!Number.isInteger(offset) || offset < 0)
    throw badRequest(`The $skipToken '${token}' is not valid.`, "BadRequest");
  return offset;
}

export function queryResources(ctx: RouteContext): RouteResult {
  const request = readJson(ctx, requestSchema, "arm");
  if (request.managementGroups?.length) {
    throw badRequest("The sandbox does not simulate management groups: query by subscriptions.", "NotSimulated");
  }
  if (request.options?.resultFormat === "table") {
    throw badRequest("The sandbox answers resultFormat objectArray only.", "NotSimulated");
  }
  const text = request.query.replace(/\s+/g, " ").trim();
  let match: RegExpExecArray | null = null;
  const recognised = RECOGNISED_QUERIES.find((q) => (match = q.pattern.exec(text)) !== null);
  if (!recognised || !match) {
    throw badRequest(
      `The sandbox does not simulate this Resource Graph query; it answers only: ${RECOGNISED_QUERIES.map((q) => q.name).join("; ")}.`,
      "NotSimulated",
    );
  }
  const world = ctx.store.read();
  const readable = new Set(
    allSubscriptions(world)
      .filter((s) => s.readable)
      .map((s) => s.subscriptionId.toLowerCase()),
  );
  const scope = request.subscriptions?.length
    ? new Set(request.subscriptions.map((s) => s.toLowerCase()).filter((s) => readable.has(s)))
    : readable;
  const rows = recognised
    .rows(world, (match as RegExpExecArray).slice(1))
    .filter((row) => scope.has(String(row.subscriptionId)));
  return graphPage(rows, request.options);
}

/** One page of a query's rows, as Resource Graph answers it: `$top` rows (default 100) and an opaque `$skipToken`. */
export function graphPage(
  rows: GraphRow[],
  options: { $skipToken?: string | undefined; $skip?: number | undefined; $top?: number | undefined } | undefined,
): RouteResult {
  const offset = decodeSkipToken(options?.$skipToken) + (options?.$skip ?? 0);
  const size = options?.$top ?? DEFAULT_PAGE;
  const data = rows.slice(offset, offset + size);
  const more = offset + size < rows.length;
  return {
    status: 200,
    body: {
      totalRecords: rows.length,
      count: data.length,
      resultTruncated: "false",
      ...(more ? { $skipToken: Buffer.from(`offset:${offset + size}`).toString("base64url") } : {}),
      data,
      facets: [],
    },
  };
}
