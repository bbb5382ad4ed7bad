// Resource Manager: routes ARM paths (as on management.azure.com) to the resource handlers.
import { updateAccessPolicies } from "./access-policies.js";
import { matchSegments, pathSegments, type RouteContext, type RouteResult } from "./context.js";
import { getDeletedVault, listDeletedManagedHsms, listDeletedVaults, purgeDeletedVault } from "./deleted-vaults.js";
import { getIdentity, listIdentities } from "./identities.js";
import { routeMonitoring } from "./monitor-routes.js";
import { getOperationStatus } from "./operation-statuses.js";
import { ServiceError } from "./problems.js";
import { getRegistry, listRegistries, patchRegistry, putRegistry } from "./registries.js";
import { listResources } from "./resources.js";
import { deleteRoleAssignment, getRoleAssignment, listRoleAssignments, putRoleAssignment } from "./role-assignments.js";
import { listSubscriptions } from "./subscriptions.js";
import { deleteVault, getVault, listVaults, patchVault, putVault } from "./vaults.js";

type Handler = (ctx: RouteContext, params: Record<string, string>) => RouteResult;

const SUB = "subscriptions/{sub}";
const RG = `${SUB}/resourceGroups/{rg}`;
const ACR = "providers/Microsoft.ContainerRegistry/registries";
const KV = "providers/Microsoft.KeyVault";
const MSI = "providers/Microsoft.ManagedIdentity/userAssignedIdentities";

const ROUTES: Array<{ pattern: string; methods: Partial<Record<string, Handler>> }> = [
  { pattern: "subscriptions", methods: { GET: listSubscriptions } },
  { pattern: `${SUB}/${ACR}`, methods: { GET: listRegistries } },
  { pattern: `${RG}/${ACR}`, methods: { GET: listRegistries } },
  { pattern: `${RG}/${ACR}/{name}`, methods: { GET: getRegistry, PUT: putRegistry, PATCH: patchRegistry } },
  { pattern: `${RG}/${ACR}/{name}/operationStatuses/{operation}`, methods: { GET: getOperationStatus } },
  { pattern: `${SUB}/${MSI}`, methods: { GET: listIdentities } },
  { pattern: `${RG}/${MSI}`, methods: { GET: listIdentities } },
  { pattern: `${RG}/${MSI}/{name}`, methods: { GET: getIdentity } },
  { pattern: `${SUB}/resources`, methods: { GET: listResources } },
  { pattern: `${SUB}/${KV}/vaults`, methods: { GET: listVaults } },
  { pattern: `${RG}/${KV}/vaults`, methods: { GET: listVaults } },
  {
    pattern: `${RG}/${KV}/vaults/{vault}`,
    methods: { GET: getVault, PUT: putVault, PATCH: patchVault, DELETE: deleteVault },
  },
  { pattern: `${RG}/${KV}/vaults/{vault}/accessPolicies/{kind}`, methods: { PUT: updateAccessPolicies } },
  { pattern: `${SUB}/${KV}/deletedVaults`, methods: { GET: listDeletedVaults } },
  { pattern: `${SUB}/${KV}/deletedManagedHSMs`, methods: { GET: listDeletedManagedHsms } },
  { pattern: `${SUB}/${KV}/locations/{location}/deletedVaults/{vault}`, methods: { GET: getDeletedVault } },
  { pattern: `${SUB}/${KV}/locations/{location}/deletedVaults/{vault}/purge`, methods: { POST: purgeDeletedVault } },
];

/** `…/providers/Microsoft.Authorization/roleAssignments[/{name}]` at any scope (the last such pair wins). */
function routeRoleAssignment(ctx: RouteContext, segments: string[]): RouteResult | undefined {
  let at = -1;
  for (let i = segments.length - 2; i >= 0; i--) {
    if (
      segments[i]?.toLowerCase() === "providers" &&
      segments[i + 1]?.toLowerCase() === "microsoft.authorization" &&
      segments[i + 2]?.toLowerCase() === "roleassignments"
    ) {
      at = i;
      break;
    }
  }
  if (at < 0 || segments.length > at + 4) return undefined;
  const scope = `/${segments.slice(0, at).join("/")}`;
  const name = segments[at + 3];
  if (name === undefined) {
    if (ctx.method === "GET") return listRoleAssignments(ctx, scope);
    throw methodNotAllowed(ctx);
  }
  switch (ctx.method) {
    case "GET":
      return getRoleAssignment(ctx, scope, name);
    case "PUT":
      return putRoleAssignment(ctx, scope, name);
    case "DELETE":
      return deleteRoleAssignment(ctx, scope, name);
    default:
      throw methodNotAllowed(ctx);
  }
}

function methodNotAllowed(ctx: RouteContext): ServiceError {
  return new ServiceError(
    405,
    "MethodNotAllowed",
    `The requested resource does not support http method '${ctx.method}'.`,
  );
}

/**
 * POST …/locations/{location}/deleted<Vaults|ManagedHSMs>/{name}/purge: counted as a purge attempt whatever the answer
 * (a managed HSM's purge too, though the sandbox does not model HSMs).
 */
export function isPurgeRequest(method: string, path: string): boolean {
  const segments = pathSegments(path);
  return (
    method === "POST" &&
    (matchSegments(`${SUB}/${KV}/locations/{location}/deletedVaults/{vault}/purge`, segments) !== null ||
      matchSegments(`${SUB}/${KV}/locations/{location}/deletedManagedHSMs/{hsm}/purge`, segments) !== null)
  );
}

export function handleArm(ctx: RouteContext): RouteResult {
  const segments = pathSegments(ctx.path);
  const monitoring = routeMonitoring(ctx, segments);
  if (monitoring) return monitoring;
  const roleAssignment = routeRoleAssignment(ctx, segments);
  if (roleAssignment) return roleAssignment;
  for (const route of ROUTES) {
    const params = matchSegments(route.pattern, segments);
    if (!params) continue;
    const handler = route.methods[ctx.method];
    if (!handler) throw methodNotAllowed(ctx);
    return handler(ctx, params);
  }
  throw new ServiceError(
    404,
    "SandboxRouteNotFound",
    `The sandbox does not simulate ${ctx.method} ${ctx.path}: only the Resource Manager operations acr-cmk uses are modelled.`,
  );
}
