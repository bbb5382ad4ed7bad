// GET /subscriptions/{sub}/providers/Microsoft.Insights/eventtypes/management/values?$filter=… — the Activity Log's
// administrative events, what `@azure/arm-monitor`'s activityLogs.list and `az monitor activity-log list` read
// (https://learn.microsoft.com/en-us/rest/api/monitor/activity-logs/list). One "Succeeded" event per Resource
// Manager change the sandbox recorded. The $filter subset: `eventTimestamp ge '<time>'` (required, as in Azure),
// `eventTimestamp le '<time>'`, and at most one of `resourceGroupName`, `resourceUri`/`resourceId`,
// `resourceProvider`, `correlationId`, `caller` `eq '<value>'`, joined by `and`.
import { requireSubscription } from "./arm-scope.js";
import { page, type RouteContext, type RouteResult } from "./context.js";
import { requireMonitoringRead } from "./monitor-access.js";
import { badRequest } from "./problems.js";
import type { ChangeRecord, World } from "../world.js";

/** The Activity Log keeps 90 days (https://learn.microsoft.com/en-us/azure/azure-monitor/essentials/activity-log). */
const RETENTION_MS = 90 * 24 * 60 * 60 * 1000;

const FIELDS = new Set([
  "resourcegroupname",
  "resourceuri",
  "resourceid",
  "resourceprovider",
  "correlationid",
  "caller",
]);

interface ActivityFilter {
  from: number;
  to?: number;
  field?: string;
  value?: string;
}

function parseFilter(filter: string | null): ActivityFilter {
  if (!filter)
    throw badRequest("The $filter query parameter is required: eventTimestamp ge '<start time>'.", "BadRequest");
  const out: Partial<ActivityFilter> = {};
  for (const clause of filter.split(/\s+and\s+/i)) {
    const m = /^\s*(\w+)\s+(eq|ge|le)\s+'([^']*)'\s*$/i.exec(clause);
    if (!m)
      throw badRequest(`The $filter clause '${clause.trim()}' is not simulated by the acr-cmk sandbox.`, "BadRequest");
    const [, rawField, op, value] = m as unknown as [string, string, string, string];
    const field = rawField.toLowerCase();
    if (field === "eventtimestamp") {
      const ms = Date.parse(value);
      if (Number.isNaN(ms)) throw badRequest(`'${value}' is not a valid time.`, "BadRequest");
      if (op.toLowerCase() === "ge") out.from = ms;
      else if (op.toLowerCase() === "le") out.to = ms;
      else throw badRequest("eventTimestamp takes ge and le.", "BadRequest");
    } else if (FIELDS.has(field) && op.toLowerCase() === "eq" && out.field === undefined) {
      out.field = field === "resourceid" ? "resourceuri" : field;
      out.value = value;
    } else {
      throw badRequest(`The $filter clause '${clause.trim()}' is not simulated by the acr-cmk sandbox.`, "BadRequest");
    }
  }
  if (out.from === undefined) {
    throw badRequest("The $filter must give a start time: eventTimestamp ge '<start time>'.", "BadRequest");
  }
  return out as ActivityFilter;
}

/** The provider of the resource itself: an extension resource (a vault's diagnostic setting) names its own last. */
function providerOf(resourceId: string): string {
  return [...resourceId.matchAll(/\/providers\/([^/]+)\//gi)].pop()?.[1] ?? "";
}

function resourceGroupOf(resourceId: string): string {
  return /\/resourceGroups\/([^/]+)/i.exec(resourceId)?.[1] ?? "";
}

function matches(change: ChangeRecord, filter: ActivityFilter): boolean {
  if (filter.field === undefined) return true;
  const want = (filter.value ?? "").toLowerCase();
  switch (filter.field) {
    case "resourcegroupname":
      return resourceGroupOf(change.resourceId).toLowerCase() === want;
    case "resourceuri":
      return change.resourceId.toLowerCase() === want;
    case "resourceprovider":
      return providerOf(change.resourceId).toLowerCase() === want;
    case "correlationid":
      return change.id.toLowerCase() === want;
    default:
      return change.actor.toLowerCase() === want;
  }
}

const METHOD: Record<ChangeRecord["changeType"], string> = { Create: "PUT", Update: "PUT", Delete: "DELETE" };

function eventOf(world: World, change: ChangeRecord): Record<string, unknown> {
  const localized = (value: string) => ({ value, localizedValue: value });
  const provider = providerOf(change.resourceId);
  const type = change.operation.split("/").slice(0, -1).join("/");
  const eventDataId = change.id;
  return {
    authorization: { action: change.operation, scope: change.resourceId },
    caller: change.actor,
    channels: "Operation",
    claims: { "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": change.actor, ipaddr: change.callerIp },
    correlationId: change.id,
    description: "",
    eventDataId,
    eventName: { value: "EndRequest", localizedValue: "End request" },
    category: localized("Administrative"),
    eventTimestamp: change.time,
    id: `${change.resourceId}/events/${eventDataId}/ticks/${Date.parse(change.time) * 10_000 + 621_355_968_000_000_000}`,
    level: "Informational",
    operationId: change.id,
    operationName: localized(change.operation),
    resourceGroupName: resourceGroupOf(change.resourceId),
    resourceProviderName: localized(provider),
    resourceType: localized(type),
    resourceId: change.resourceId,
    status: localized("Succeeded"),
    subStatus: localized(change.changeType === "Create" ? "Created" : "OK"),
    submissionTimestamp: change.time,
    subscriptionId: world.subscriptionId,
    tenantId: world.tenantId,
    httpRequest: {
      clientRequestId: change.requestId ?? change.id,
      clientIpAddress: change.callerIp,
      method: METHOD[change.changeType],
    },
    properties: {
      statusCode: change.changeType === "Create" ? "Created" : "OK",
      serviceRequestId: change.requestId ?? null,
      eventCategory: "Administrative",
      entity: change.resourceId,
      message: change.operation,
      hierarchy: world.tenantId,
    },
  };
}

export function listActivityLog(ctx: RouteContext, params: Record<string, string>): RouteResult {
  const world = ctx.store.read();
  requireSubscription(world, params.sub as string);
  requireMonitoringRead(world, "activity-log", `/subscriptions/${world.subscriptionId}`);
  const filter = parseFilter(ctx.url.searchParams.get("$filter"));
  const now = Date.now() + world.clock.offsetMs;
  const from = Math.max(filter.from, now - RETENTION_MS);
  const events = (world.changes ?? [])
    .filter((c) => c.plane === "arm")
    .filter((c) => {
      const at = Date.parse(c.time);
      return at >= from && (filter.to === undefined || at <= filter.to) && matches(c, filter);
    })
    .sort((a, b) => Date.parse(b.time) - Date.parse(a.time))
    .map((c) => eventOf(world, c));
  return { status: 200, body: page(ctx, events, { sizeParam: "$top", defaultSize: 200 }) };
}
