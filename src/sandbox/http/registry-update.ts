// Updating an existing registry (PATCH, or the az CLI's full-body PUT): identity changes, and the customer-managed key
// rules of https://learn.microsoft.com/en-us/azure/container-registry/tutorial-troubleshoot-customer-managed-keys.
import { identityAccessMessage, registryKeyAccess } from "../health.js";
import { keyId, parseKeyId } from "../ids.js";
import type { RegistryRecord, World } from "../world.js";
import { sameText } from "./arm-scope.js";
import type { RouteResult } from "./context.js";
import { badRequest, ServiceError } from "./problems.js";
import { CMK_HELP, registryBody } from "./registry-body.js";
import {
  applyIdentity,
  assignsIdentity,
  identityAssigned,
  identityPrincipal,
  type IdentityBody,
} from "./registry-identity.js";

/** The parts of an update body this module reads. */
export interface UpdateBody {
  identity?: IdentityBody | null | undefined;
  sku?: { name: "Basic" | "Standard" | "Premium" } | undefined;
  properties?:
    | {
        encryption?:
          | {
              status?: "enabled" | "disabled" | undefined;
              keyVaultProperties?:
                { keyIdentifier?: string | undefined; identity?: string | undefined } | null | undefined;
            }
          | null
          | undefined;
      }
    | null
    | undefined;
}

function versionedFor(world: World, keyIdentifier: string): string | undefined {
  const parsed = parseKeyId(keyIdentifier);
  if (!parsed) return undefined;
  const vault = world.vaults[parsed.vault.toLowerCase()];
  const key = vault?.keys[parsed.key.toLowerCase()];
  if (parsed.version) return keyId(vault?.name ?? parsed.vault, key?.name ?? parsed.key, parsed.version.toLowerCase());
  const newest = key?.versions[key.versions.length - 1];
  return newest && vault && key ? keyId(vault.name, key.name, newest.version) : undefined;
}

export function validKeyIdentifier(keyIdentifier: string): void {
  if (!parseKeyId(keyIdentifier)) {
    throw badRequest(
      `The key identifier '${keyIdentifier}' is not a valid Key Vault key URL (https://<vault>.vault.azure.net/keys/<key>[/<version>]). ${CMK_HELP}`,
      "InvalidKeyIdentifier",
    );
  }
}

/** Rotation or creation with a key: ACR must be able to wrap with the proposed key and identity. */
export function proposeEncryption(
  world: World,
  candidate: RegistryRecord,
  keyIdentifier: string,
  identity: string,
  now: Date,
): { ok: true; registry: RegistryRecord } | { ok: false; error: ServiceError } {
  const proposed = structuredClone(candidate);
  const versioned = versionedFor(world, keyIdentifier);
  proposed.encryption = { ...proposed.encryption, keyIdentifier, identity };
  if (versioned) proposed.encryption.versionedKeyIdentifier = versioned;
  else delete proposed.encryption.versionedKeyIdentifier;
  // Reconfiguring the key is the documented cure for a firewall switched on after encryption.
  delete proposed.firewallStale;
  if (!proposed.identityDetached && !identityAssigned(world, proposed, identity)) {
    const { clientId } = identityPrincipal(world, proposed, identity);
    return { ok: false, error: badRequest(identityAccessMessage(proposed, clientId)) };
  }
  const access = registryKeyAccess(world, proposed, now, "wrap");
  if (!access.ok) {
    const failure = access.failure ?? { status: 400, code: "BadRequest", message: access.reason ?? "key not usable" };
    return { ok: false, error: new ServiceError(failure.status, failure.code, failure.message) };
  }
  if (proposed.encryption.versionedKeyIdentifier !== candidate.encryption.versionedKeyIdentifier) {
    proposed.encryption.lastKeyRotationTimestamp = now.toISOString();
  }
  return { ok: true, registry: proposed };
}

function errorResult(error: ServiceError): RouteResult {
  return { status: error.status, body: { error: { code: error.code, message: error.message } } };
}

export interface UpdateOutcome {
  result: RouteResult;
  changed: boolean;
}

/** PATCH or PUT on an existing registry. Returns (rather than throws) errors that must still save a change. */
export function updateExisting(
  world: World,
  registry: RegistryRecord,
  body: UpdateBody,
  mode: "patch" | "put",
  now: Date,
): UpdateOutcome | ServiceError {
  const candidate = structuredClone(registry);
  if (body.identity) applyIdentity(world, candidate, body.identity, mode);
  if (body.sku) {
    if (registry.encryption.status === "enabled" && body.sku.name !== "Premium") {
      return badRequest(`Customer-managed key encryption requires the Premium SKU. ${CMK_HELP}`);
    }
    candidate.sku = body.sku.name;
  }

  // Re-assigning the detached identity (same client id) heals it; a re-created system identity is a new one.
  const detached = candidate.identityDetached;
  if (detached && identityAssigned(world, candidate, detached.identity)) delete candidate.identityDetached;

  const encryption = body.properties?.encryption ?? undefined;
  const current = registry.encryption;
  if (encryption?.status && encryption.status !== current.status) {
    return badRequest(
      current.status === "enabled"
        ? `Customer-managed key encryption cannot be disabled once it is enabled on registry '${registry.name}'. ${CMK_HELP}`
        : `Customer-managed key encryption can only be enabled when registry '${registry.name}' is created. ${CMK_HELP}`,
    );
  }
  const kvp = encryption?.keyVaultProperties ?? undefined;
  const cmk = current.status === "enabled";
  const nextKeyIdentifier = kvp?.keyIdentifier ?? current.keyIdentifier;
  const nextIdentity = kvp?.identity ?? current.identity;
  const encryptionChanged =
    cmk &&
    kvp !== undefined &&
    (!sameText(nextKeyIdentifier, current.keyIdentifier) || !sameText(nextIdentity, current.identity));

  // Removing the identity the encryption runs as: refused, yet the identity is gone and damaged ("Identity removal
  // error", https://learn.microsoft.com/en-us/azure/container-registry/tutorial-troubleshoot-customer-managed-keys).
  const encryptionIdentity = encryptionChanged ? nextIdentity : current.identity;
  if (
    cmk &&
    encryptionIdentity &&
    !registry.identityDetached &&
    identityAssigned(world, registry, encryptionIdentity) &&
    !identityAssigned(world, candidate, encryptionIdentity)
  ) {
    const removed = identityPrincipal(world, registry, encryptionIdentity);
    registry.userAssignedIdentities = candidate.userAssignedIdentities;
    if (candidate.systemIdentity) registry.systemIdentity = candidate.systemIdentity;
    else delete registry.systemIdentity;
    registry.identityDetached = {
      identity: removed.clientId,
      detachedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + world.settings.identityGraceMs).toISOString(),
      ...(removed.principalId ? { principalId: removed.principalId } : {}),
    };
    return {
      result: {
        ...errorResult(badRequest(identityAccessMessage(registry, removed.clientId))),
        refusedButChanged: true,
      },
      changed: true,
    };
  }

  // An update that names an encryption identity the registry no longer has fails, unchanged key or not: after
  // `az acr identity remove`, `az acr encryption rotate-key` with the same key and identity reports "does not have
  // access to identity … Try forcibly adding the identity" (https://learn.microsoft.com/en-us/azure/container-registry/tutorial-troubleshoot-customer-managed-keys).
  // An update that assigns identities passes: the CLI's `identity assign` resends the encryption block as it was.
  if (
    cmk &&
    kvp?.identity &&
    !identityAssigned(world, candidate, kvp.identity) &&
    !assignsIdentity(registry, candidate)
  ) {
    return badRequest(identityAccessMessage(candidate, identityPrincipal(world, registry, kvp.identity).clientId));
  }

  let next = candidate;
  if (cmk && kvp !== undefined && nextKeyIdentifier && nextIdentity) {
    validKeyIdentifier(nextKeyIdentifier);
    const proposal = proposeEncryption(world, candidate, nextKeyIdentifier, nextIdentity, now);
    if (proposal.ok) next = proposal.registry;
    // An unchanged key (the CLI resends the whole registry on `identity assign`) is no change: only a real
    // rotation must succeed. Re-sending the same key does re-validate it, which is how rotate-key heals.
    else if (encryptionChanged) return proposal.error;
  }
  const changed = JSON.stringify(next) !== JSON.stringify(registry);
  Object.assign(registry, next);
  if (!next.identityDetached) delete registry.identityDetached;
  if (!next.firewallStale) delete registry.firewallStale;
  if (!next.systemIdentity) delete registry.systemIdentity;
  return { result: { status: 200, body: registryBody(world, registry) }, changed };
}
