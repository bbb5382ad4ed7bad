// Registry identities: the identity block of a PATCH or PUT, and which identity a key vault property names.
import { newGuid } from "../ids.js";
import type { RegistryRecord, World } from "../world.js";
import { sameText } from "./arm-scope.js";
import { badRequest } from "./problems.js";

/** The identity block of a registry update (validated by the route's schema). */
export interface IdentityBody {
  type?: string | undefined;
  userAssignedIdentities?: Record<string, object | null> | null | undefined;
}

interface IdentityState {
  system: boolean;
  user: boolean;
}

function parseIdentityType(type: string): IdentityState {
  const normalized = type.replace(/\s+/g, "").toLowerCase();
  switch (normalized) {
    case "none":
      return { system: false, user: false };
    case "systemassigned":
      return { system: true, user: false };
    case "userassigned":
      return { system: false, user: true };
    case "systemassigned,userassigned":
      return { system: true, user: true };
    default:
      throw badRequest(
        `The identity type '${type}' is not valid. Valid values are 'None', 'SystemAssigned', 'UserAssigned' and 'SystemAssigned, UserAssigned'.`,
        "InvalidIdentityType",
      );
  }
}

/**
 * Applies an identity block to `registry`. PATCH merges the user-assigned dictionary (a null value removes an
 * entry, ARM's convention); PUT replaces it (the az CLI's `identity remove` sends the whole registry).
 */
export function applyIdentity(
  world: World,
  registry: RegistryRecord,
  identity: IdentityBody,
  mode: "patch" | "put",
): void {
  const requested = identity.type ? parseIdentityType(identity.type) : undefined;
  const dictionary = identity.userAssignedIdentities ?? undefined;
  let users = mode === "put" ? [] : [...registry.userAssignedIdentities];
  if (dictionary) {
    for (const [id, value] of Object.entries(dictionary)) {
      const key = id.toLowerCase();
      if (value === null) {
        users = users.filter((u) => u !== key);
        continue;
      }
      if (!world.identities[key]) {
        throw badRequest(
          `Resource '${id}' was not found. The user-assigned identity must exist before it can be assigned.`,
          "InvalidUserAssignedIdentity",
        );
      }
      if (!users.includes(key)) users.push(key);
    }
  }
  if (requested && !requested.user) users = [];
  if (requested?.user && users.length === 0 && !dictionary) {
    throw badRequest(
      "The identity type 'UserAssigned' needs at least one user-assigned identity in 'userAssignedIdentities'.",
      "InvalidIdentityType",
    );
  }
  registry.userAssignedIdentities = users;
  const system = requested ? requested.system : Boolean(registry.systemIdentity);
  if (system && !registry.systemIdentity) {
    // A system identity that comes back is a new principal: nothing granted to the old one carries over.
    registry.systemIdentity = { principalId: newGuid(), clientId: newGuid(), tenantId: world.tenantId };
  } else if (!system) {
    delete registry.systemIdentity;
  }
}

/** Is the identity a key vault property names ("system" or a client id) assigned to `registry`? */
export function identityAssigned(world: World, registry: RegistryRecord, identity: string): boolean {
  if (identity.toLowerCase() === "system") return Boolean(registry.systemIdentity);
  if (sameText(registry.systemIdentity?.clientId, identity)) return true;
  return registry.userAssignedIdentities.some((id) => sameText(world.identities[id]?.clientId, identity));
}

/** Does the update give the registry an identity it did not have (user-assigned or a system one)? */
export function assignsIdentity(before: RegistryRecord, after: RegistryRecord): boolean {
  if (after.systemIdentity && !before.systemIdentity) return true;
  return after.userAssignedIdentities.some((id) => !before.userAssignedIdentities.includes(id));
}

/** The principal and client id behind an identity reference, looked up before it is removed. */
export function identityPrincipal(
  world: World,
  registry: RegistryRecord,
  identity: string,
): { clientId: string; principalId?: string } {
  if (identity.toLowerCase() === "system" || sameText(registry.systemIdentity?.clientId, identity)) {
    return registry.systemIdentity
      ? { clientId: registry.systemIdentity.clientId, principalId: registry.systemIdentity.principalId }
      : { clientId: identity };
  }
  const record = Object.values(world.identities).find((i) => sameText(i.clientId, identity));
  return record ? { clientId: record.clientId, principalId: record.principalId } : { clientId: identity };
}
