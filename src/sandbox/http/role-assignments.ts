// Microsoft.Authorization/roleAssignments at any scope (https://learn.microsoft.com/en-us/rest/api/authorization/role-assignments): list with $filter, create with a GUID name,
// delete, get by id. Scopes are compared without case, as ARM does.
import { z } from "zod";
import { roleAssignmentId } from "../ids.js";
import type { RoleAssignmentRecord, World } from "../world.js";
import { requireSubscription } from "./arm-scope.js";
import { readJson, type RouteContext, type RouteResult } from "./context.js";
import { badRequest, resourceNotFound, ServiceError } from "./problems.js";
import { findLiveVault } from "./vault-lookup.js";

const TYPE = "Microsoft.Authorization/roleAssignments";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function roleAssignmentBody(a: RoleAssignmentRecord): unknown {
  return {
    id: a.id,
    name: a.name,
    type: TYPE,
    properties: {
      scope: a.scope,
      roleDefinitionId: a.roleDefinitionId,
      principalId: a.principalId,
      principalType: a.principalType,
      condition: null,
      conditionVersion: null,
      description: null,
      createdOn: a.createdAt,
      updatedOn: a.createdAt,
      delegatedManagedIdentityResourceId: null,
    },
  };
}

function normScope(scope: string): string {
  return `/${scope.replace(/^\/+/, "").replace(/\/+$/, "")}`.toLowerCase();
}

function covers(outer: string, inner: string): boolean {
  const o = normScope(outer);
  const i = normScope(inner);
  return o === "/" || o === i || i.startsWith(`${o}/`);
}

/** The scope must name something that exists: the subscription, and a live vault when it is a vault scope. */
function requireScope(world: World, scope: string): void {
  const segments = scope.split("/").filter(Boolean);
  if (segments[0]?.toLowerCase() !== "subscriptions" || !segments[1]) {
    throw badRequest(`The scope '${scope}' is not valid for a role assignment.`, "InvalidScope");
  }
  requireSubscription(world, segments[1]);
  const vaultAt = segments.findIndex(
    (s, i) => s.toLowerCase() === "microsoft.keyvault" && segments[i + 1]?.toLowerCase() === "vaults",
  );
  if (vaultAt > 0) {
    const name = segments[vaultAt + 2] ?? "";
    const rg = segments[3] ?? "";
    if (!findLiveVault(world, rg, name)) throw resourceNotFound("Microsoft.KeyVault/vaults", name, rg);
  }
}

/** `principalId eq '…'`, `assignedTo('…')`, `atScope()`, joined by `and`. */
function parseFilter(filter: string | null): { principalId?: string; atScope: boolean } {
  const out: { principalId?: string; atScope: boolean } = { atScope: false };
  if (!filter) return out;
  for (const clause of filter.split(/\s+and\s+/i)) {
    const trimmed = clause.trim();
    const principal = /^principalId\s+eq\s+'([^']+)'$/i.exec(trimmed) ?? /^assignedTo\('([^']+)'\)$/i.exec(trimmed);
    if (principal) out.principalId = principal[1];
    else if (/^atScope\(\)$/i.test(trimmed)) out.atScope = true;
    else throw badRequest(`The filter '${filter}' is not supported.`, "UnsupportedQuery");
  }
  return out;
}

export function listRoleAssignments(ctx: RouteContext, scope: string): RouteResult {
  const world = ctx.store.read();
  requireScope(world, scope);
  const filter = parseFilter(ctx.url.searchParams.get("$filter"));
  const value = Object.values(world.roleAssignments)
    .filter((a) => covers(a.scope, scope) || (!filter.atScope && covers(scope, a.scope)))
    .filter((a) => !filter.principalId || a.principalId.toLowerCase() === filter.principalId.toLowerCase())
    .map(roleAssignmentBody);
  return { status: 200, body: { value } };
}

const createSchema = z
  .object({
    properties: z
      .object({
        roleDefinitionId: z.string().regex(/\/providers\/Microsoft\.Authorization\/roleDefinitions\/[0-9a-f-]{36}$/i),
        principalId: z.string().regex(GUID),
        principalType: z.enum(["User", "Group", "ServicePrincipal", "ForeignGroup", "Device"]).optional(),
      })
      .loose(),
  })
  .loose();

function notFound(name: string): ServiceError {
  return new ServiceError(404, "RoleAssignmentNotFound", `The role assignment '${name}' is not found.`);
}

export function putRoleAssignment(ctx: RouteContext, scope: string, name: string): RouteResult {
  if (!GUID.test(name)) {
    throw badRequest(
      `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`,
      "InvalidRoleAssignmentId",
    );
  }
  const body = readJson(ctx, createSchema, "arm");
  return ctx.store.update((world, now) => {
    requireScope(world, scope);
    const id = roleAssignmentId(`/${scope.replace(/^\/+/, "").replace(/\/+$/, "")}`, name.toLowerCase());
    const wanted = body.properties;
    const existing = world.roleAssignments[id.toLowerCase()];
    const sameRole = (a: RoleAssignmentRecord) =>
      normScope(a.scope) === normScope(scope) &&
      a.principalId.toLowerCase() === wanted.principalId.toLowerCase() &&
      a.roleDefinitionId.split("/").pop()?.toLowerCase() === wanted.roleDefinitionId.split("/").pop()?.toLowerCase();
    if (existing) {
      if (sameRole(existing)) return { status: 200, body: roleAssignmentBody(existing) };
      throw new ServiceError(
        409,
        "RoleAssignmentUpdateNotPermitted",
        "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
      );
    }
    if (Object.values(world.roleAssignments).some(sameRole)) {
      throw new ServiceError(409, "RoleAssignmentExists", "The role assignment already exists.");
    }
    const record: RoleAssignmentRecord = {
      id,
      name: name.toLowerCase(),
      scope: `/${scope.replace(/^\/+/, "").replace(/\/+$/, "")}`,
      roleDefinitionId: wanted.roleDefinitionId,
      principalId: wanted.principalId,
      principalType: wanted.principalType ?? "ServicePrincipal",
      createdAt: now.toISOString(),
    };
    world.roleAssignments[id.toLowerCase()] = record;
    return { status: 201, body: roleAssignmentBody(record) };
  });
}

export function getRoleAssignment(ctx: RouteContext, scope: string, name: string): RouteResult {
  const world = ctx.store.read();
  const id = roleAssignmentId(`/${scope.replace(/^\/+/, "")}`, name).toLowerCase();
  const found = world.roleAssignments[id];
  if (!found) throw notFound(name);
  return { status: 200, body: roleAssignmentBody(found) };
}

export function deleteRoleAssignment(ctx: RouteContext, scope: string, name: string): RouteResult {
  return ctx.store.update((world) => {
    const id = roleAssignmentId(`/${scope.replace(/^\/+/, "")}`, name).toLowerCase();
    const found = world.roleAssignments[id];
    if (!found) return { status: 204 };
    delete world.roleAssignments[id];
    return { status: 200, body: roleAssignmentBody(found) };
  });
}
