// Log Analytics' query API (https://learn.microsoft.com/en-us/azure/azure-monitor/logs/api/request-format), what
// `@azure/monitor-query-logs` sends: POST /v1/workspaces/{workspace id}/query and the resource-centric
// POST /v1/{resource id}/query, body { query, timespan }. The tables are Key Vault's audit events in AzureDiagnostics
// and in AZKVAuditLogs (audit-tables.ts), each row in the workspaces and table the vault's diagnostic settings named
// when it was written. The KQL subset is kql.ts's.
import { z } from "zod";
import { pathSegments, readJson, type RouteContext, type RouteResult } from "./context.js";
import { auditDestinations } from "../audit-logs.js";
import { AUDIT_TABLE_COLUMNS, auditRow, isAuditTable, presentColumns, wireCell } from "./audit-tables.js";
import { operandColumns, parseKql, runKql, type KqlQuery } from "./kql.js";
import { requireMonitoringRead } from "./monitor-access.js";
import { ServiceError } from "./problems.js";
import type { AuditDestination, AuditEventRecord, AuditTable, World } from "../world.js";

const bodySchema = z.object({ query: z.string().min(1), timespan: z.string().optional() });

/** Parses an ISO 8601 duration such as PT24H or P1DT2H30M into milliseconds. */
function isoDuration(text: string): number | null {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(text);
  if (!m || text.length < 3) return null;
  const [d, h, min, s] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number];
  return ((d * 24 + h) * 60 + min) * 60_000 + s * 1000;
}

/** `timespan` as Log Analytics reads it: a duration back from now, start/end, or start/duration. */
function window(timespan: string | undefined, now: number): { from: number; to: number } {
  if (!timespan) return { from: Number.NEGATIVE_INFINITY, to: now };
  const [first, second] = timespan.split("/");
  const bad = () => new ServiceError(400, "BadArgumentError", `The timespan '${timespan}' is not valid.`);
  if (second === undefined) {
    const ms = isoDuration(first as string);
    if (ms === null) throw bad();
    return { from: now - ms, to: now };
  }
  const start = Date.parse(first as string);
  if (Number.isNaN(start)) throw bad();
  const end = Date.parse(second);
  if (!Number.isNaN(end)) return { from: start, to: end };
  const ms = isoDuration(second);
  if (ms === null) throw bad();
  return { from: start, to: start + ms };
}

/** Where an event went; an event from an older state file went where the vault's settings send now. */
function destinationsOf(world: World, e: AuditEventRecord): AuditDestination[] {
  if (e.destinations) return e.destinations;
  const vault = world.vaults[e.vaultName.toLowerCase()];
  return vault ? auditDestinations(vault) : [];
}

const sameId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * What a query can see: the events in the workspaces it reaches, and whether the table exists there (a table is
 * created with the first row written to it, so a setting that only just switched to Dedicated has none yet).
 */
interface Scope {
  events: (table: AuditTable) => AuditEventRecord[];
  tableExists: (table: AuditTable) => boolean;
  /** The table's columns there: whatever any resource's events into it brought. */
  columns: (table: AuditTable) => Set<string>;
}

/** Every event (of any vault) written to `table` in one of the workspaces. */
function sentTo(world: World, workspaceIds: string[], table: AuditTable): AuditEventRecord[] {
  return (world.auditEvents ?? []).filter((e) =>
    destinationsOf(world, e).some((d) => d.table === table && workspaceIds.some((w) => sameId(w, d.workspaceId))),
  );
}

function inWorkspaces(world: World, workspaceIds: string[], table: AuditTable): boolean {
  return sentTo(world, workspaceIds, table).length > 0;
}

/** The workspace named (by its GUID or resource id), or the one vault named (a resource-context query). */
function scopeOf(world: World, segments: string[]): Scope {
  const all = world.auditEvents ?? [];
  if (segments[0]?.toLowerCase() === "workspaces" && segments.length === 2) {
    const workspace = Object.values(world.workspaces ?? {}).find(
      (w) => sameId(w.customerId, segments[1] ?? "") || sameId(w.id, segments[1] ?? ""),
    );
    if (!workspace) {
      throw new ServiceError(404, "WorkspaceNotFoundError", `The workspace '${segments[1]}' could not be found.`);
    }
    const sentHere = (e: AuditEventRecord, table: AuditTable) =>
      destinationsOf(world, e).some((d) => d.table === table && sameId(d.workspaceId, workspace.id));
    return {
      events: (table) => all.filter((e) => sentHere(e, table)),
      tableExists: (table) => inWorkspaces(world, [workspace.id], table),
      columns: (table) => presentColumns(table, sentTo(world, [workspace.id], table)),
    };
  }
  const resourceId = `/${segments.join("/")}`;
  const vault = Object.values(world.vaults).find((v) => sameId(v.id, resourceId));
  if (!vault) {
    throw new ServiceError(
      404,
      "ResourceNotFoundError",
      `The resource '${resourceId}' could not be found, or the acr-cmk sandbox keeps no logs for it (key vaults only).`,
    );
  }
  const own = all.filter((e) => sameId(e.vaultName, vault.name));
  const workspaces = [
    ...new Set(
      [...own.flatMap((e) => destinationsOf(world, e)), ...auditDestinations(vault)].map((d) => d.workspaceId),
    ),
  ];
  return {
    events: (table) => own.filter((e) => destinationsOf(world, e).some((d) => d.table === table)),
    // A vault that never sent to a workspace has nowhere to resolve the table: the answer is empty, as before.
    tableExists: (table) => workspaces.length === 0 || inWorkspaces(world, workspaces, table),
    columns: (table) =>
      workspaces.length === 0
        ? new Set(AUDIT_TABLE_COLUMNS[table].map(([name]) => name))
        : presentColumns(table, sentTo(world, workspaces, table)),
  };
}

/** Log Analytics' answer to a name it cannot resolve (https://learn.microsoft.com/en-us/azure/azure-monitor/logs/api/errors). */
function unresolved(operator: string, what: "table or column" | "scalar", name: string): ServiceError {
  return new ServiceError(400, "BadArgumentError", "The request had some invalid properties", {
    innerCode: "SEM0100",
    innerMessage: `'${operator}' operator: Failed to resolve ${what} expression named '${name}'`,
  });
}

/** A `project` or `order by` naming a column the table does not have fails as Log Analytics fails it. */
function checkColumns(query: KqlQuery, columns: Set<string>): void {
  const known = new Set(columns);
  for (const stage of query.stages) {
    if (stage.kind === "extend") known.add(stage.name);
    const named =
      stage.kind === "project"
        ? stage.columns.flatMap((c, i) => (stage.values[i] ? operandColumns(stage.values[i]) : [c]))
        : stage.kind === "order"
          ? stage.keys.map((k) => k.column)
          : [];
    const missing = named.find((c) => !known.has(c.split(".")[0] as string));
    if (missing) throw unresolved(stage.kind === "order" ? "order by" : stage.kind, "scalar", missing);
    if (stage.kind === "project") {
      known.clear();
      for (const c of stage.columns) known.add(c);
    }
  }
}

export function queryLogAnalytics(ctx: RouteContext): RouteResult {
  const segments = pathSegments(ctx.path);
  if (
    segments[0]?.toLowerCase() !== "v1" ||
    segments[segments.length - 1]?.toLowerCase() !== "query" ||
    ctx.method !== "POST"
  ) {
    throw new ServiceError(
      404,
      "PathNotFoundError",
      `The acr-cmk sandbox does not simulate ${ctx.method} ${ctx.path} on Log Analytics: only POST /v1/workspaces/{id}/query and /v1/{resource id}/query.`,
    );
  }
  const body = readJson(ctx, bodySchema, "arm");
  const world = ctx.store.read();
  requireMonitoringRead(world, "log-analytics", ctx.path);
  const scope = scopeOf(world, segments.slice(1, -1));
  const now = Date.now() + world.clock.offsetMs;
  const query = parseKql(body.query, new Date(now), "Log Analytics");
  const table = query.table;
  if (!isAuditTable(table)) {
    throw new ServiceError(
      400,
      "BadArgumentError",
      `The acr-cmk sandbox does not simulate the table '${table}': only Key Vault's audit events, in AzureDiagnostics (Category AuditEvent) and AZKVAuditLogs.`,
    );
  }
  if (!scope.tableExists(table)) throw unresolved(query.stages[0]?.kind ?? "where", "table or column", table);
  const present = scope.columns(table);
  checkColumns(query, present);
  const { from, to } = window(body.timespan, now);
  const rows = scope
    .events(table)
    .filter((e) => {
      const at = Date.parse(e.time);
      return at >= from && at <= to;
    })
    .map((e) => auditRow(table, world, e));
  const result = runKql(query, rows, (column) => present.has(column));
  const schema = AUDIT_TABLE_COLUMNS[table];
  const columns = (result.columns ?? schema.map(([name]) => name).filter((name) => present.has(name))).map((name) => ({
    name,
    type: schema.find(([n]) => n === name)?.[1] ?? "string",
  }));
  return {
    status: 200,
    body: {
      tables: [
        {
          name: "PrimaryResult",
          columns,
          rows: result.rows.map((row) => columns.map((c) => wireCell(c.type, row[c.name]))),
        },
      ],
    },
  };
}
