// The vocabulary triage recognises outright: codes and whole sentences Azure really emits, each naming one cause
// (sources in test/fixtures/triage-corpus.ts; Key Vault's codes: https://learn.microsoft.com/azure/key-vault/general/common-error-codes).
// Loose words ("forbidden", "not found", "disabled") never name a cause on their own, because a false alarm sends an
// engineer down the wrong runbook at 3 a.m.; what a sentence says in its own words is read by triage/clauses.ts.
import type { TriageCause } from "../types.js";

export type NamedCause = Exclude<TriageCause, "unknown">;

export interface Signal {
  /** Stable name, for tests and debugging. */
  id: string;
  cause: NamedCause;
  /**
   * Specificity: the strongest signal in a paste wins. 100 = ACR's own CMK sentences; 90 = Key Vault codes and
   * messages that name one cause; 80 = other services' CMK codes and Key Vault access denials; 50 = ACR's generic
   * "cannot use the key" sentences, which Azure also emits when the real cause is the vault firewall.
   */
  weight: number;
  /** Matched against the normalised text; the match is the evidence. */
  pattern: RegExp;
  /** Each must also match somewhere in the text (context a generic code needs). */
  requires?: RegExp[];
  /** None may match anywhere in the text (context that makes the signal mean something else). */
  vetoes?: RegExp[];
}

/** A Key Vault data-plane host, in every public and sovereign cloud. */
export const VAULT_HOST = String.raw`[a-z0-9](?:[a-z0-9-]{1,22}[a-z0-9])?\.vault\.(?:azure\.net|azure\.cn|usgovcloudapi\.net|microsoftazure\.de)`;
/** Text that places a bare code in Key Vault. */
const KEY_VAULT_CONTEXT = new RegExp(String.raw`${VAULT_HOST}|key ?vault|/keys/`, "i");
/** The permissions a CMK identity needs; a missing `list`, `create` or `decrypt` is somebody else's problem. */
const CMK_KEY_PERMISSION = String.raw`(?:get|wrapKey|unwrapKey|wrap|unwrap)`;
const CMK_KEY_ACTION = String.raw`Microsoft\.KeyVault/vaults/keys/(?:read|wrap/action|unwrap/action)`;
/** Key Vault's ARM-side check: the operator's own deployment reading a key, not a service losing its key. */
const MANAGEMENT_PLANE_CALLER = /Caller: ?name=KeyVault\/ManagementPlane/i;

export const SIGNALS: readonly Signal[] = [
  // --- identity-removed: ACR's own sentences (tutorial-troubleshoot-customer-managed-keys, az acr check-health)
  {
    id: "acr.identity-no-access",
    cause: "identity-removed",
    weight: 100,
    pattern: /does not have access to identity '[^']{1,300}'\.? ?Try forcibly adding the identity/i,
  },
  {
    id: "acr.identity-no-access-registry",
    cause: "identity-removed",
    weight: 100,
    pattern: /Microsoft\.ContainerRegistry\/registries\/[^' ]{1,100}' does not have access to identity/i,
  },
  {
    id: "acr.identity-inactive",
    cause: "identity-removed",
    weight: 100,
    pattern: /The identity associated with the registry is inactive/i,
  },
  {
    id: "acr.check-health-cmk-identity",
    cause: "identity-removed",
    weight: 100,
    pattern: /The identity used for registry '[^']{0,100}' encryption doesn'?t exists?/i,
  },
  {
    id: "arm.no-identity-on-registry",
    cause: "identity-removed",
    weight: 95,
    pattern:
      /No managed service identities are associated with resource '[^']{0,300}Microsoft\.ContainerRegistry\/registries/i,
  },
  // --- identity-removed: other CMK services
  { id: "sql.no-server-identity", cause: "identity-removed", weight: 80, pattern: /\bAzureKeyVaultNoServerIdentity\b/ },
  {
    id: "cosmos.undefined-default-identity",
    cause: "identity-removed",
    weight: 80,
    pattern: /account is currently revoked because the Azure Cosmos DB account has an undefined default identity/i,
  },
  {
    id: "cosmos.identity-token",
    cause: "identity-removed",
    weight: 80,
    pattern: /unable to obtain the AAD authentication token for the account'?s default identity/i,
  },
  {
    id: "storage.token-cannot-be-acquired",
    cause: "identity-removed",
    weight: 80,
    pattern: /\bKeyVaultAccessTokenCannotBeAcquired\b/,
  },

  // --- firewall-403: Key Vault network refusals (returned before authorization, so they hide everything else)
  { id: "kv.forbidden-by-firewall", cause: "firewall-403", weight: 90, pattern: /\bForbiddenByFirewall\b/ },
  {
    id: "kv.client-address-not-authorized",
    cause: "firewall-403",
    weight: 90,
    pattern:
      /Client address is not authorized and caller (?:is not a trusted service|was ignored because bypass is set to None)/i,
  },
  { id: "kv.forbidden-by-connection", cause: "firewall-403", weight: 90, pattern: /\bForbiddenByConnection\b/ },
  {
    id: "kv.public-network-disabled",
    cause: "firewall-403",
    weight: 90,
    pattern:
      /Public network access is disabled and request is not from a trusted service nor via an approved private link|Connection is not an approved private link and caller was ignored/i,
  },
  {
    id: "cosmos.access-rules-block-vault",
    cause: "firewall-403",
    weight: 80,
    pattern: /access rules are blocking outbound requests to the Azure Key Vault service/i,
  },

  // --- key-deleted: the key or its vault is gone (soft-deleted, purged, or the vault's DNS name no longer resolves)
  {
    id: "kv.key-not-found-message",
    cause: "key-deleted",
    weight: 90,
    pattern: /A key with \(name\/id\) \S{1,200} was not found in this key vault/i,
  },
  {
    id: "kv.key-not-found-code",
    cause: "key-deleted",
    weight: 85,
    // Only where an error code stands ("code":"KeyNotFound", Code="KeyNotFound", (KeyNotFound), ErrorCode: KeyNotFound):
    // a test log comparing the string 'KeyNotFound' under a keyvault path is not a deleted key.
    pattern: /(?:code"?\s*[:=]\s*"?|\()KeyNotFound\b/i,
    requires: [KEY_VAULT_CONTEXT],
  },
  { id: "kv.deleted-key-not-found", cause: "key-deleted", weight: 85, pattern: /Deleted Key not found/i },
  {
    id: "kv.key-deleted-but-recoverable",
    cause: "key-deleted",
    weight: 90,
    pattern: /Key \S{1,127} is currently in a deleted but recoverable state/i,
  },
  {
    // Key Vault refuses to re-create a key or vault whose deletion is still running (issue 11 names the phrase).
    id: "kv.object-being-deleted",
    cause: "key-deleted",
    weight: 90,
    pattern: /\b(?:Key|Vault) [\w-]{1,127} is currently being deleted\b/i,
  },
  {
    id: "kv.vault-in-deleted-state",
    cause: "key-deleted",
    weight: 90,
    pattern: /A vault with the same name already exists in deleted state/i,
  },
  {
    id: "kv.vault-dns-gone",
    cause: "key-deleted",
    weight: 90,
    pattern: new RegExp(
      // NXDOMAIN only: a DNS server timing out ("Temporary failure in name resolution", EAI_AGAIN) says nothing
      // about the vault.
      String.raw`(?:getaddrinfo ENOTFOUND |UnknownHostException: |No such host is known\.? \(|Could not resolve host:? )${VAULT_HOST}|Failed to resolve '${VAULT_HOST}' \(\[Errno (?:-2|8|11001)\]|dial tcp: lookup ${VAULT_HOST}(?: on [^:]{1,60}:\d{1,5})?: no such host`,
      "i",
    ),
  },
  {
    id: "kv.vault-dns-gone-python",
    cause: "key-deleted",
    weight: 90,
    pattern: new RegExp(
      String.raw`host='${VAULT_HOST}'.{0,400}?(?:Name or service not known|nodename nor servname provided|getaddrinfo failed|No address associated with hostname)`,
      "i",
    ),
  },
  {
    id: "az.vault-unreachable",
    cause: "key-deleted",
    weight: 90,
    pattern: /Max retries exceeded attempting to connect to vault/i,
  },
  {
    id: "storage.key-not-found",
    cause: "key-deleted",
    weight: 85,
    pattern: /\bKeyVaultEncryptionKeyNotFound\b|The key vault key is not found to unwrap the encryption key/i,
  },
  {
    id: "storage.vault-not-found",
    cause: "key-deleted",
    weight: 85,
    pattern: /\bKeyVaultVaultNotFound\b|The key vault is not found for encryption/i,
  },
  {
    id: "sql.key-name-not-found",
    cause: "key-deleted",
    weight: 80,
    pattern: /\bAzureKeyVaultKeyNameNotFound\b|the Azure Key Vault Key name does not exist/i,
  },
  {
    id: "cosmos.key-or-vault-not-found",
    cause: "key-deleted",
    weight: 80,
    pattern:
      /correspondent key is not found on the specified Key Vault|correspondent Azure Key Vault was not found|Azure Key Vault DNS name specified by the account'?s keyvaultkeyuri property could not be resolved/i,
  },

  // --- key-disabled
  { id: "kv.key-disabled-code", cause: "key-disabled", weight: 90, pattern: /\bKeyDisabled\b/ },
  {
    id: "kv.key-disabled-message",
    cause: "key-disabled",
    weight: 90,
    pattern: /Operation \w{1,20} is not allowed on a disabled key/i,
  },
  {
    id: "sql.key-disabled",
    cause: "key-disabled",
    weight: 80,
    pattern: /\bAzureKeyVaultKeyDisabled(?:Message)?\b|because the Azure Key Vault key is disabled/i,
  },
  {
    id: "cosmos.key-disabled-or-expired",
    cause: "key-disabled",
    weight: 80,
    pattern: /correspondent key is either disabled or expired/i,
  },

  // --- access-revoked: the identity lost get / wrapKey / unwrapKey (access policy) or its crypto role (RBAC)
  {
    id: "kv.access-policy-missing",
    cause: "access-revoked",
    weight: 80,
    pattern: new RegExp(String.raw`does not have keys ${CMK_KEY_PERMISSION} permission on key vault`, "i"),
  },
  {
    id: "kv.rbac-missing",
    cause: "access-revoked",
    weight: 80,
    pattern: new RegExp(String.raw`Action: ?'${CMK_KEY_ACTION}'`, "i"),
    requires: [/Caller is not authorized to perform action on resource|\bForbiddenByRbac\b/i],
    vetoes: [MANAGEMENT_PLANE_CALLER],
  },
  {
    id: "sql.missing-permissions",
    cause: "access-revoked",
    weight: 80,
    pattern:
      /\bAzureKeyVaultMissingPermissions(?:Message)?\b|The server is missing required permissions on the Azure Key Vault/i,
  },
  {
    id: "cosmos.identity-lost-permission",
    cause: "access-revoked",
    weight: 80,
    pattern: /current default identity no longer has permission to the associated Key Vault key/i,
  },
  {
    id: "acr.failed-to-access-key",
    cause: "access-revoked",
    weight: 50,
    pattern: /Failed to access KeyId '[^']{1,300}'\.? ?Verify that identity/i,
  },
  {
    id: "acr.kek-forbidden",
    cause: "access-revoked",
    weight: 50,
    pattern: /Access to Key Encryption Key is forbidden/i,
  },
];

/** When two signals are equally specific: fix what makes the others moot first. */
export const CAUSE_PRECEDENCE: readonly NamedCause[] = [
  "identity-removed",
  "firewall-403",
  "key-deleted",
  "key-disabled",
  "access-revoked",
];
