// ARM long-running operations: `Azure-AsyncOperation` status documents
// (https://github.com/Azure/azure-resource-manager-rpc/blob/master/v1.0/async-api-reference.md). The change itself is already
// in the world; the status reports InProgress for a poll or two, then Succeeded, so the SDK's poller really polls.
import { newGuid } from "../ids.js";
import type { OperationRecord, World } from "../world.js";
import type { RouteContext, RouteResult } from "./context.js";
import { ServiceError } from "./problems.js";

/** Keep the newest operations only: a long-running server must not grow its state file forever. */
const MAX_OPERATIONS = 200;
const POLLS_BEFORE_DONE = 1;

/** Records a running operation and returns its status URL on the caller's own host. */
export function startOperation(
  world: World,
  ctx: RouteContext,
  resourceId: string,
  kind: OperationRecord["kind"],
): string {
  const id = `registries-${newGuid()}`;
  world.operations[id] = { id, kind, resourceId, pollsLeft: POLLS_BEFORE_DONE, status: "InProgress" };
  const ids = Object.keys(world.operations);
  for (const old of ids.slice(0, Math.max(0, ids.length - MAX_OPERATIONS))) delete world.operations[old];
  const apiVersion = ctx.url.searchParams.get("api-version") ?? "2025-11-01";
  return `${ctx.linkBase}${resourceId}/operationStatuses/${id}?api-version=${encodeURIComponent(apiVersion)}`;
}

export function getOperationStatus(ctx: RouteContext, params: Record<string, string>): RouteResult {
  return ctx.store.update((world, now) => {
    const operation = world.operations[params.operation as string];
    const resource = `/subscriptions/${params.sub}/resourceGroups/${params.rg}/providers/Microsoft.ContainerRegistry/registries/${params.name}`;
    if (!operation || operation.resourceId.toLowerCase() !== resource.toLowerCase()) {
      throw new ServiceError(404, "OperationNotFound", `The operation '${params.operation}' was not found.`);
    }
    const body: Record<string, unknown> = {
      id: `${operation.resourceId}/operationStatuses/${operation.id}`,
      name: operation.id,
    };
    // ACR repeats the status URL on every status answer (Azure/azure-cli recordings, test_acr_identity.yaml).
    const self = { "azure-asyncoperation": ctx.url.toString() };
    if (operation.status === "InProgress" && operation.pollsLeft > 0) {
      operation.pollsLeft -= 1;
      return {
        status: 200,
        body: { ...body, status: "InProgress", startTime: now.toISOString() },
        headers: { ...self, ...POLL_AGAIN_NOW },
      };
    }
    if (operation.status === "InProgress") operation.status = "Succeeded";
    return {
      status: 200,
      headers: self,
      body: {
        ...body,
        status: operation.status,
        endTime: now.toISOString(),
        ...(operation.error ? { error: operation.error } : {}),
      },
    };
  });
}

/**
 * "Poll again at once", in the header both SDK families read: Python's azure-core takes Retry-After-Ms when Retry-After
 * is absent, and treats `Retry-After: 0` as no advice (its 30 s default); the Node SDK, finding no Retry-After, polls at
 * its configured interval (0 against the sandbox). See azure-core's `get_retry_after` (Azure/azure-sdk-for-python).
 */
export const POLL_AGAIN_NOW: Record<string, string> = { "retry-after-ms": "10" };
