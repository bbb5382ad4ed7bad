// Log Analytics' query API (https://learn.microsoft.com/en-us/azure/azure-monitor/logs/api/request-format), what
// `@azure/monitor-query-logs` sends: POST /v1/workspaces/{workspace id}/query and the resource-centric
// POST /v1/{resource id}/query, body { query, timespan }. The one table is AzureDiagnostics with Key Vault's
// AuditEvent rows, columns as Key Vault writes them (https://learn.microsoft.com/en-us/azure/key-vault/general/logging),
// for the vaults whose diagnostic settings send to the workspace. The KQL subset is kql.ts's.
import { z } from "zod";
import { pathSegments, readJson, type RouteContext, type RouteResult } from "./context.js";
import { parseKql, runKql } from "./kql.js";
import { requireMonitoringRead } from "./monitor-access.js";
import { ServiceError } from "./problems.js";
import type { AuditEventRecord, VaultRecord, World } from "../world.js";

const bodySchema = z.object({ query: z.string().min(1), timespan: z.string().optional() });

/** Column names and Kusto types, in the order a `project`-less query returns them. */
const COLUMNS: Array<[string, string]> = [
  ["TimeGenerated", "datetime"],
  ["ResourceId", "string"],
  ["Category", "string"],
  ["ResourceProvider", "string"],
  ["ResourceType", "string"],
  ["Resource", "string"],
  ["OperationName", "string"],
  ["ResultType", "string"],
  ["ResultSignature", "string"],
  ["ResultDescription", "string"],
  ["httpStatusCode_d", "real"],
  ["CallerIPAddress", "string"],
  ["identity_claim_upn_s", "string"],
  ["identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g", "guid"],
  ["identity_claim_appid_g", "guid"],
  ["clientInfo_s", "string"],
  ["id_s", "string"],
  ["CorrelationId", "string"],
  ["SubscriptionId", "string"],
];

function rowOf(world: World, e: AuditEventRecord): Record<string, unknown> {
  const ok = e.httpStatusCode < 400;
  return {
    TimeGenerated: e.time,
    ResourceId: e.vaultId.toUpperCase(),
    Category: "AuditEvent",
    ResourceProvider: "MICROSOFT.KEYVAULT",
    ResourceType: "VAULTS",
    Resource: e.vaultName.toUpperCase(),
    OperationName: e.operation,
    ResultType: ok ? "Success" : "Failed",
    ResultSignature: e.resultSignature,
    ResultDescription: e.resultDescription ?? "",
    httpStatusCode_d: e.httpStatusCode,
    CallerIPAddress: e.callerIp,
    identity_claim_upn_s: e.upn ?? "",
    identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g: e.objectId ?? "",
    identity_claim_appid_g: e.appId ?? "",
    clientInfo_s: e.clientInfo,
    id_s: e.keyId,
    CorrelationId: e.correlationId,
    SubscriptionId: world.subscriptionId,
  };
}

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

function sendsTo(vault: VaultRecord, workspaceResourceId: string): boolean {
  return (vault.diagnosticSettings ?? []).some(
    (s) => s.workspaceId?.toLowerCase() === workspaceResourceId.toLowerCase(),
  );
}

/** The vaults a query may see: those sending to the workspace named, or the one resource named. */
function scopeVaults(world: World, segments: string[]): VaultRecord[] {
  if (segments[0]?.toLowerCase() === "workspaces" && segments.length === 2) {
    const workspace = Object.values(world.workspaces ?? {}).find(
      (w) =>
        w.customerId.toLowerCase() === segments[1]?.toLowerCase() || w.id.toLowerCase() === segments[1]?.toLowerCase(),
    );
    if (!workspace) {
      throw new ServiceError(404, "WorkspaceNotFoundError", `The workspace '${segments[1]}' could not be found.`);
    }
    return Object.values(world.vaults).filter((v) => sendsTo(v, workspace.id));
  }
  const resourceId = `/${segments.join("/")}`;
  const vault = Object.values(world.vaults).find((v) => v.id.toLowerCase() === resourceId.toLowerCase());
  if (!vault) {
    throw new ServiceError(
      404,
      "ResourceNotFoundError",
      `The resource '${resourceId}' could not be found, or the acr-cmk sandbox keeps no logs for it (key vaults only).`,
    );
  }
  return [vault];
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
  const vaults = scopeVaults(world, segments.slice(1, -1));
  const now = Date.now() + world.clock.offsetMs;
  const query = parseKql(body.query, new Date(now), "Log Analytics");
  if (query.table !== "AzureDiagnostics") {
    throw new ServiceError(
      400,
      "BadArgumentError",
      `The acr-cmk sandbox does not simulate the table '${query.table}': only AzureDiagnostics (Key Vault's AuditEvent rows).`,
    );
  }
  const { from, to } = window(body.timespan, now);
  const names = new Set(vaults.map((v) => v.name.toLowerCase()));
  const rows = (world.auditEvents ?? [])
    .filter((e) => names.has(e.vaultName.toLowerCase()))
    .filter((e) => {
      const at = Date.parse(e.time);
      return at >= from && at <= to;
    })
    .map((e) => rowOf(world, e));
  const result = runKql(query, rows);
  const columns = (result.columns ?? COLUMNS.map(([name]) => name)).map((name) => ({
    name,
    type: COLUMNS.find(([n]) => n === name)?.[1] ?? "string",
  }));
  return {
    status: 200,
    body: {
      tables: [
        { name: "PrimaryResult", columns, rows: result.rows.map((row) => columns.map((c) => row[c.name] ?? null)) },
      ],
    },
  };
}
