// The identity the registry reaches its key with: assigned to the registry, still existing, or (system) still there.
import type { Finding } from "../types.js";
import { failureEvidence, runbookCommand, type Rule } from "./context.js";

export const identityRules: Rule = (s, ctx) => {
  const identity = s.identity;
  if (!identity) return [];
  const { name, resourceGroup } = s.registry;
  const findings: Finding[] = [];

  if (identity.kind === "system") {
    if (!identity.principalId) {
      findings.push({
        id: "SYSTEM_IDENTITY_MISSING",
        severity: "critical",
        title: `Registry '${name}' encrypts with its system identity, but it has none`,
        detail:
          `encryption.identity names the system-assigned identity, which was removed from the registry. Pulls and pushes keep ` +
          `working until the identity expires (usually about three months), then fail; key rotation fails now. A removed ` +
          `system identity cannot be restored by you: the identity-removed runbook opens the Azure support escalation and, ` +
          `meanwhile, can move encryption to a user-assigned identity.`,
        evidence: { field: "identity.type", value: s.registry.identity.type, encryptionIdentity: identity.configured },
        runbook: "identity-removed",
        command: runbookCommand(s, ctx, "identity-removed"),
      });
    }
    return findings;
  }

  if (!identity.assigned) {
    const match = identity.unassignedMatch;
    const found = match?.ok ? match.value : undefined;
    findings.push({
      id: "IDENTITY_NOT_ASSIGNED",
      severity: "critical",
      title: found
        ? `Encryption identity '${found.name}' is no longer assigned to registry '${name}'`
        : `No identity with client id ${identity.clientId} is assigned to registry '${name}'`,
      detail: found
        ? `The registry encrypts with user-assigned identity '${found.name}' but does not list it any more. Key rotation fails ` +
          `now and pulls fail once the identity expires (usually about three months). Re-assign it: ` +
          `az acr identity assign -n ${name} -g ${resourceGroup} --identities ${found.id}`
        : `encryption.identity is ${identity.clientId}, but neither the registry nor the subscription has a user-assigned ` +
          `identity with that client id (it was deleted, or lives in another subscription). Find or re-create the identity, ` +
          `grant it key access, and rotate the registry's key to it.`,
      evidence: {
        field: "encryption.identity",
        value: identity.clientId,
        registryIdentities: s.registry.identity.userAssigned.map((u) => u.clientId ?? u.id),
        ...(found ? { identityResource: found.id } : {}),
        ...(match && !match.ok ? { lookup: failureEvidence(match.error) } : {}),
      },
      runbook: "identity-removed",
      command: runbookCommand(s, ctx, "identity-removed"),
    });
    return findings;
  }

  const resource = identity.resource;
  if (resource && !resource.ok && resource.error.kind === "not-found") {
    findings.push({
      id: "IDENTITY_RESOURCE_MISSING",
      severity: "critical",
      title: `Encryption identity ${identity.assigned.id.split("/").pop() ?? ""} was deleted`,
      detail:
        `The registry still lists the user-assigned identity it encrypts with, but the identity resource no longer exists, ` +
        `so it cannot get tokens for the vault. Create a new user-assigned identity, grant it key access (get, wrapKey, ` +
        `unwrapKey), assign it to the registry and rotate the key to it.`,
      evidence: { identityResource: identity.assigned.id, identityGet: failureEvidence(resource.error) },
      runbook: "identity-removed",
      command: runbookCommand(s, ctx, "identity-removed"),
    });
  }
  return findings;
};
