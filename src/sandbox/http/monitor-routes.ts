// The monitoring reads among the Resource Manager routes: Resource Graph's query endpoint, the Activity Log and
// diagnostic settings at any resource scope. arm.ts asks here first; null means "not one of these".
import { listActivityLog } from "./activity-log.js";
import { matchSegments, type RouteContext, type RouteResult } from "./context.js";
import { handleDiagnosticSettings } from "./diagnostic-settings.js";
import { ServiceError } from "./problems.js";
import { queryResourceGraph } from "./resource-graph.js";

const lower = (s: string | undefined) => s?.toLowerCase();

export function routeMonitoring(ctx: RouteContext, segments: string[]): RouteResult | null {
  if (matchSegments("providers/Microsoft.ResourceGraph/resources", segments)) {
    if (ctx.method !== "POST") throw new ServiceError(405, "MethodNotAllowed", "Resource Graph queries are POSTed.");
    return queryResourceGraph(ctx);
  }
  const activity = matchSegments(
    "subscriptions/{sub}/providers/Microsoft.Insights/eventtypes/management/values",
    segments,
  );
  if (activity) {
    if (ctx.method !== "GET") throw new ServiceError(405, "MethodNotAllowed", "The Activity Log is read with GET.");
    return listActivityLog(ctx, activity);
  }
  for (let i = segments.length - 2; i >= 2; i--) {
    if (
      lower(segments[i]) === "providers" &&
      lower(segments[i + 1]) === "microsoft.insights" &&
      lower(segments[i + 2]) === "diagnosticsettings"
    ) {
      if (segments.length > i + 4) return null;
      return handleDiagnosticSettings(ctx, `/${segments.slice(0, i).join("/")}`, segments[i + 3]);
    }
  }
  return null;
}
