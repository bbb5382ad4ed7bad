// The sandbox's ground truth: can a registry use its customer-managed key right now, and if not, why. This module is
// the single home of the CMK rules the Microsoft docs describe (identity, vault, network, access, key, validity:
// https://learn.microsoft.com/en-us/azure/container-registry/tutorial-troubleshoot-customer-managed-keys, and
// docs/azure-behaviour.md); the HTTP handlers and `sandbox status` both ask it rather than re-deciding.
import { keyId, parseKeyId, type ParsedKeyId } from "./ids.js";
import { deletionInProgress } from "./key-deletion.js";
import { hasKeyPermissions } from "./key-permissions.js";
import {
  encryptionClientId,
  encryptionIdentityLabel,
  isSystemReference,
  principalForEncryptionIdentity,
  resolveRegistryKey,
} from "./registry-encryption.js";
import type { RegistryRecord, VaultRecord, World } from "./world.js";

// The rules' inputs, asked of this module by the handlers (one front door for what decides key access).
export { hasKeyPermissions } from "./key-permissions.js";
export {
  encryptionIdentityLabel,
  principalForEncryptionIdentity,
  resolveRegistryKey,
  type ResolvedRegistryKey,
} from "./registry-encryption.js";

export type KeyUse = "unwrap" | "wrap";

export interface KeyAccess {
  ok: boolean;
  reason: string | null;
  /** for handlers: how the registry's data plane / ARM should fail */
  failure?: { status: number; code: string; message: string };
}

const CMK_HELP = "For more information on bring your own key, please visit 'https://aka.ms/acr/cmk'.";

/**
 * The data-plane answer once a removed identity's credential lapses ("Identity expiry error" in
 * https://learn.microsoft.com/en-us/azure/container-registry/tutorial-troubleshoot-customer-managed-keys).
 */
export const IDENTITY_INACTIVE_MESSAGE =
  "The identity associated with the registry is inactive. This could be due to attempted removal of the identity. Reassign the identity manually";

/** Documented ARM error when the registry's encryption identity is not (or no longer) assigned to it. */
export function identityAccessMessage(registry: RegistryRecord, clientId: string): string {
  return `Azure resource '${registry.id}' does not have access to identity '${clientId}' Try forcibly adding the identity to the registry ${registry.name}. ${CMK_HELP}`;
}

/** Published ARM error (azure-docs #61015) when ACR cannot use the key at create / rotate time, whatever the cause. */
export function keyAccessMessage(kid: string, clientId: string): string {
  return `Failed to access KeyId '${kid}'. Verify that identity '${clientId}' has 'Get, Wrap Key, Unwrap Key' permission on key '${kid}'. ${CMK_HELP}`;
}

/** Key permissions each use needs: rotation re-wraps and verifies all three (the error names all three). */
const NEEDED: Record<KeyUse, string[]> = {
  unwrap: ["get", "unwrapKey"],
  wrap: ["get", "wrapKey", "unwrapKey"],
};

/** Does the vault's network let ACR (a trusted Azure service) in? */
function vaultNetworkBlocksRegistry(vault: VaultRecord): string | null {
  const open = vault.publicNetworkAccess === "Enabled" && vault.networkAcls.defaultAction === "Allow";
  if (open || vault.networkAcls.bypass === "AzureServices") return null;
  return vault.publicNetworkAccess === "Disabled"
    ? `vault '${vault.name}' has public network access disabled and does not allow trusted Azure services`
    : `vault '${vault.name}' firewall denies the registry (default action Deny, trusted Azure services not allowed)`;
}

function shortVersion(version: string | undefined): string {
  return version ? version.slice(0, 8) : "?";
}

function day(iso: string): string {
  return iso.replace(/\.\d{3}Z$/, "Z");
}

type ProblemKind = "not-cmk" | "identity" | "identity-inactive" | "key";

interface Problem {
  kind: ProblemKind;
  reason: string;
}

function findProblem(world: World, registry: RegistryRecord, now: Date, use: KeyUse): Problem | null {
  const encryption = registry.encryption;
  if (encryption.status !== "enabled") {
    // A registry without CMK reads its data with a Microsoft-managed key; only a wrap (rotate-key) is meaningless.
    return use === "wrap"
      ? { kind: "not-cmk", reason: `registry '${registry.name}' does not use a customer-managed key` }
      : null;
  }
  const resolved = resolveRegistryKey(world, registry);
  if (!resolved.vaultName || !resolved.keyName) {
    return { kind: "key", reason: `registry '${registry.name}' has no valid Key Vault key identifier` };
  }
  const label = encryptionIdentityLabel(world, registry);

  // 1. The identity: without a credential ACR cannot even ask Key Vault.
  let principalId: string | undefined;
  const detached = registry.identityDetached;
  if (detached) {
    if (use === "wrap") {
      return {
        kind: "identity",
        reason: `${label} was removed from registry '${registry.name}': key rotation fails until it is assigned again (data stays readable until ${day(detached.expiresAt)})`,
      };
    }
    if (Date.parse(detached.expiresAt) <= now.getTime()) {
      return {
        kind: "identity-inactive",
        reason: `${label} was removed from registry '${registry.name}' and its credential lapsed on ${day(detached.expiresAt)}: the registry cannot read its key`,
      };
    }
    principalId =
      detached.principalId ??
      Object.values(world.identities).find((i) => i.clientId.toLowerCase() === detached.identity.toLowerCase())
        ?.principalId;
    if (!principalId) {
      return { kind: "identity-inactive", reason: `${label} of registry '${registry.name}' no longer exists` };
    }
  } else {
    const principal = principalForEncryptionIdentity(world, registry);
    if (!principal) {
      const system = isSystemReference(world, registry, encryption.identity ?? "");
      return {
        kind: "identity",
        reason: system
          ? `registry '${registry.name}' has no system-assigned identity, yet its encryption uses it`
          : `${label} used for encryption is not assigned to registry '${registry.name}'`,
      };
    }
    principalId = principal.principalId;
  }

  // 2. The vault: gone, soft-deleted, or behind a firewall that keeps ACR out.
  const vault = resolved.vault;
  if (!vault) return { kind: "key", reason: `vault '${resolved.vaultName}' does not exist` };
  if (vault.purged) return { kind: "key", reason: `vault '${vault.name}' was purged: its keys are gone for good` };
  if (vault.deleted) {
    return {
      kind: "key",
      reason: `vault '${vault.name}' is soft-deleted (recoverable until ${day(vault.deleted.scheduledPurgeDate)})`,
    };
  }
  // The firewall itself first: it is what must be fixed first (allow trusted services), then the key reconfigured.
  const blocked = vaultNetworkBlocksRegistry(vault);
  if (blocked) return { kind: "key", reason: blocked };
  if (registry.firewallStale) {
    return {
      kind: "key",
      reason: `vault '${vault.name}' firewall was switched on after encryption: registry '${registry.name}' is blocked until its key is reconfigured (rotate-key)`,
    };
  }

  // 3. Authorization comes before the key lookup, as in Key Vault (a caller without rights sees 403, not 404).
  const access = hasKeyPermissions(world, vault, principalId, NEEDED[use], resolved.keyName);
  if (!access.ok) {
    return {
      kind: "key",
      reason: vault.enableRbacAuthorization
        ? `${label} has no Key Vault Crypto Service Encryption User role on vault '${vault.name}' (missing ${access.missing.join(", ")})`
        : `${label} has no access policy granting ${access.missing.join(", ")} on vault '${vault.name}'`,
    };
  }

  // 4. The key and the version in use.
  const key = resolved.key;
  if (!key) return { kind: "key", reason: `key '${resolved.keyName}' does not exist in vault '${vault.name}'` };
  if (key.purged) return { kind: "key", reason: `key '${key.name}' in vault '${vault.name}' was purged` };
  if (key.deleted && deletionInProgress(key, now)) {
    return {
      kind: "key",
      reason: `key '${key.name}' in vault '${vault.name}' is being deleted (not in the deleted list, not recoverable until ${key.deleted.completesAt})`,
    };
  }
  if (key.deleted) {
    return {
      kind: "key",
      reason: `key '${key.name}' in vault '${vault.name}' is soft-deleted (recoverable until ${day(key.deleted.scheduledPurgeDate)})`,
    };
  }
  const version = resolved.version;
  if (!version) {
    return {
      kind: "key",
      reason: `version ${shortVersion(resolved.versionName)} of key '${key.name}' does not exist in vault '${vault.name}'`,
    };
  }
  if (version.kty !== "RSA" && version.kty !== "RSA-HSM") {
    return {
      kind: "key",
      reason: `key '${key.name}' is an ${version.kty} key: only RSA and RSA-HSM keys are supported`,
    };
  }
  if (!version.enabled) {
    return {
      kind: "key",
      reason: `key '${key.name}' (version ${shortVersion(version.version)}) in vault '${vault.name}' is disabled`,
    };
  }
  const operation = use === "wrap" ? "wrapKey" : "unwrapKey";
  if (version.keyOps.length > 0 && !version.keyOps.some((op) => op.toLowerCase() === operation.toLowerCase())) {
    return { kind: "key", reason: `key '${key.name}' does not permit the ${operation} operation (key_ops)` };
  }

  // 5. Validity window: Key Vault refuses wrapKey outside nbf/exp but keeps unwrap working ("do not crypto-lock").
  if (use === "wrap") {
    if (version.exp && Date.parse(version.exp) < now.getTime()) {
      return {
        kind: "key",
        reason: `key '${key.name}' in vault '${vault.name}' expired on ${day(version.exp)}: new wraps and rotation fail (existing data stays readable)`,
      };
    }
    if (version.nbf && Date.parse(version.nbf) > now.getTime()) {
      return {
        kind: "key",
        reason: `key '${key.name}' in vault '${vault.name}' is not valid before ${day(version.nbf)}`,
      };
    }
  }
  return null;
}

/** Can `registry` unwrap (read its data) or wrap (rotate, write new data) with its key at `now`? */
export function registryKeyAccess(world: World, registry: RegistryRecord, now: Date, use: KeyUse): KeyAccess {
  const problem = findProblem(world, registry, now, use);
  if (!problem) return { ok: true, reason: null };
  const clientId = encryptionClientId(registry);
  const kid = resolveRegistryKey(world, registry).kid ?? registry.encryption.keyIdentifier ?? "";
  let failure: KeyAccess["failure"];
  switch (problem.kind) {
    case "not-cmk":
      failure = {
        status: 400,
        code: "BadRequest",
        message: `Customer-managed key encryption is not enabled for registry '${registry.name}'; it can only be enabled when the registry is created. ${CMK_HELP}`,
      };
      break;
    case "identity-inactive":
      failure = { status: 403, code: "DENIED", message: IDENTITY_INACTIVE_MESSAGE };
      break;
    case "identity":
      failure =
        use === "wrap"
          ? { status: 400, code: "BadRequest", message: identityAccessMessage(registry, clientId) }
          : { status: 403, code: "DENIED", message: IDENTITY_INACTIVE_MESSAGE };
      break;
    case "key":
      // ACR's data-plane text for an unusable key is not published: the sandbox's is obviously its own.
      failure =
        use === "wrap"
          ? { status: 400, code: "BadRequest", message: keyAccessMessage(kid, clientId) }
          : { status: 403, code: "DENIED", message: `registry content is not readable: ${problem.reason}` };
      break;
  }
  return { ok: false, reason: problem.reason, failure };
}

/**
 * Automatic rotation for versionless key identifiers: ACR moves to the newest enabled version "within one hour"
 * (here: once `rotationPickupMs` has passed since that version was created), and only if it can wrap with it.
 */
/**
 * The registry already uses its key's newest enabled version: what every registry of a fleet answers on every request,
 * found without resolving its key in full (resolveRegistryKey builds its answer and the key's ids each time).
 */
function pickedUpNewest(world: World, configured: Readonly<ParsedKeyId>, versioned: string | undefined): boolean {
  const inUse = versioned ? parseKeyId(versioned) : null;
  if (!inUse?.version || inUse.vault !== configured.vault) return false;
  if (inUse.key.toLowerCase() !== configured.key.toLowerCase()) return false;
  const key = world.vaults[configured.vault.toLowerCase()]?.keys[configured.key.toLowerCase()];
  return key?.versions.findLast((v) => v.enabled)?.version === inUse.version.toLowerCase();
}

export function applyAutoRotation(world: World, now: Date, apply = true): boolean {
  let changed = false;
  for (const registry of Object.values(world.registries)) {
    const encryption = registry.encryption;
    if (encryption.status !== "enabled" || !encryption.keyIdentifier || registry.identityDetached) continue;
    const configured = parseKeyId(encryption.keyIdentifier);
    if (!configured || configured.version) continue;
    if (pickedUpNewest(world, configured, encryption.versionedKeyIdentifier)) continue;
    const { vault, key, version: current } = resolveRegistryKey(world, registry);
    if (!vault || !key || vault.deleted || vault.purged || key.deleted || key.purged) continue;
    const newest = key.versions.findLast((v) => v.enabled);
    if (!newest || newest.version === current?.version) continue;
    if (now.getTime() - Date.parse(newest.created) < world.settings.rotationPickupMs) continue;
    const versionedKeyIdentifier = keyId(vault.name, key.name, newest.version);
    const candidate: RegistryRecord = { ...registry, encryption: { ...encryption, versionedKeyIdentifier } };
    if (!registryKeyAccess(world, candidate, now, "wrap").ok) continue;
    if (!apply) return true;
    encryption.versionedKeyIdentifier = versionedKeyIdentifier;
    encryption.lastKeyRotationTimestamp = now.toISOString();
    changed = true;
  }
  return changed;
}
