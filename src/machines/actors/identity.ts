// The identity a registry's encryption uses: which one it is (user-assigned or the system identity), whether it still
// exists, the facts a run records about it, and how every runbook names it.
import type { CmkAzure, RegistryInfo } from "../../azure/types.js";
import { lastSegment, type RunFacts } from "../facts.js";
import type { StepInput } from "../steps.js";
import { call, isFailure } from "./port-calls.js";

/** How the approved plan named who it acts on (`params.who`: the identity's label), else `fallback`. */
export const planWho = (input: StepInput, fallback: string): string =>
  typeof input.plan?.params?.who === "string" ? input.plan.params.who : fallback;

export interface EncryptionIdentity {
  kind: "user" | "system";
  clientId: string;
  /** User-assigned: its resource id. */
  resourceId?: string;
  /** The object id Key Vault authorizes; absent when the identity no longer exists. */
  principalId?: string;
  /** Assigned to the registry right now. */
  assigned: boolean;
}

/** Which identity the encryption uses: a user-assigned identity by client id, else the system identity. */
export async function encryptionIdentity(
  azure: CmkAzure,
  registry: RegistryInfo,
  signal: AbortSignal,
): Promise<EncryptionIdentity> {
  const clientId = registry.encryption.identity ?? "system";
  const systemAssigned = registry.identity.type.includes("SystemAssigned");
  if (clientId.toLowerCase() !== "system") {
    const assigned = registry.identity.userAssigned.find((u) => u.clientId?.toLowerCase() === clientId.toLowerCase());
    if (assigned)
      return { kind: "user", clientId, resourceId: assigned.id, principalId: assigned.principalId, assigned: true };
    const all = await azure.listUserAssignedIdentities(call(signal));
    const found = all.find((i) => i.clientId.toLowerCase() === clientId.toLowerCase());
    if (found) return { kind: "user", clientId, resourceId: found.id, principalId: found.principalId, assigned: false };
  }
  // A container group names its identity by resource id (encryptionProperties.identity); a deleted one has no ids.
  if (clientId.startsWith("/subscriptions/")) {
    const assigned = registry.identity.userAssigned.some((u) => u.id.toLowerCase() === clientId.toLowerCase());
    try {
      const found = await azure.getUserAssignedIdentity(clientId, call(signal));
      return { kind: "user", clientId: found.clientId, resourceId: found.id, principalId: found.principalId, assigned };
    } catch (error) {
      if (!isFailure(error, "not-found")) throw error;
      return { kind: "user", clientId: "", resourceId: clientId, assigned };
    }
  }
  // "system", or a client id no user-assigned identity has: the registry's own identity.
  return {
    kind: "system",
    clientId,
    principalId: systemAssigned ? registry.identity.principalId : undefined,
    assigned: systemAssigned,
  };
}

/**
 * How every runbook names an identity: by its resource name where known, with both ids labelled, because the
 * registry's settings use the client id while Key Vault access (set-policy --object-id, role assignments) uses the
 * object (principal) id.
 */
export function identityLabel(identity: {
  kind?: "user" | "system";
  name?: string;
  resourceId?: string;
  clientId?: string;
  principalId?: string;
}): string {
  const name = identity.name ?? (identity.resourceId ? lastSegment(identity.resourceId) : undefined);
  const head =
    identity.kind === "system" || identity.clientId?.toLowerCase() === "system"
      ? "the registry's system-assigned identity"
      : name
        ? `identity ${name}`
        : "identity";
  const ids = [
    identity.clientId && identity.clientId.toLowerCase() !== "system" ? `client id ${identity.clientId}` : undefined,
    identity.principalId ? `object id ${identity.principalId}` : undefined,
  ].filter((part): part is string => part !== undefined);
  return ids.length ? `${head} (${ids.join(", ")})` : head;
}

/** The encryption identity as the run's facts know it. */
export function encryptionIdentityLabel(facts: RunFacts): string {
  return identityLabel({
    kind: facts.identityKind,
    resourceId: facts.identityResourceId,
    clientId: facts.identity,
    principalId: facts.principalId,
  });
}

/** The identity the encryption moves to (identity-removed), as the run's facts know it. */
export function targetIdentityLabel(facts: RunFacts): string {
  return identityLabel({
    kind: "user",
    resourceId: facts.targetIdentityResourceId,
    clientId: facts.targetIdentityClientId,
    principalId: facts.targetPrincipalId,
  });
}

export function identityFacts(identity: EncryptionIdentity): Partial<RunFacts> {
  return {
    identityKind: identity.kind,
    identityResourceId: identity.resourceId,
    principalId: identity.principalId,
    identity: identity.clientId,
  };
}
