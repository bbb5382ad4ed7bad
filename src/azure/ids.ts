// Parsing and formatting of the ids an on-call engineer pastes: registry / vault / identity resource ids, vault URIs
// and key ids. ARM treats path segments case-insensitively, so we do too; what we format uses Azure's own casing.
import { UsageError } from "../errors.js";

/** A pasted id or URL that is not what it claims to be: exit 2 with a message that says what was expected. */
export class InvalidIdError extends UsageError {
  constructor(
    readonly what: string,
    readonly input: string,
    reason: string,
  ) {
    super(`invalid ${what} '${truncate(input)}': ${reason}`);
  }
}

function truncate(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Resource group names: letters, digits, underscores, hyphens, periods and parentheses; not ending with a period.
const RESOURCE_GROUP = /^[-\w.()]{0,89}[-\w()]$/u;
const REGISTRY_NAME = /^[a-zA-Z0-9]{5,50}$/;
const VAULT_NAME = /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/;
const IDENTITY_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$/;
const KEY_NAME = /^[a-zA-Z0-9-]{1,127}$/;
const KEY_VERSION = /^[0-9a-f]{32}$/i;

export function isGuid(value: string): boolean {
  return GUID.test(value);
}

export function assertResourceGroup(name: string, input = name): string {
  if (!RESOURCE_GROUP.test(name)) {
    throw new InvalidIdError("resource group", input, "expected 1-90 letters, digits, '_', '-', '.', '(' or ')'");
  }
  return name;
}

export function assertRegistryName(name: string, input = name): string {
  if (!REGISTRY_NAME.test(name)) throw new InvalidIdError("registry name", input, "expected 5-50 letters or digits");
  return name;
}

export function assertVaultName(name: string, input = name): string {
  if (!VAULT_NAME.test(name)) {
    throw new InvalidIdError(
      "key vault name",
      input,
      "expected 3-24 letters, digits or single hyphens, starting with a letter",
    );
  }
  return name;
}

export function assertKeyName(name: string, input = name): string {
  if (!KEY_NAME.test(name)) throw new InvalidIdError("key name", input, "expected 1-127 letters, digits or hyphens");
  return name;
}

// ---------------------------------------------------------------------------------------------------------------
// ARM resource ids

export interface ResourceId {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

interface ResourceIdShape {
  what: string;
  provider: string;
  type: string;
  assertName: (name: string, input: string) => string;
}

function parseResourceId(input: string, shape: ResourceIdShape): ResourceId {
  const trimmed = input.trim().replace(/\/+$/, "");
  const segments = trimmed.replace(/^\//, "").split("/");
  const expected = `/subscriptions/<id>/resourceGroups/<group>/providers/${shape.provider}/${shape.type}/<name>`;
  const [subs, subscriptionId, groups, resourceGroup, providers, provider, type, name, ...rest] = segments;
  if (
    rest.length > 0 ||
    subs?.toLowerCase() !== "subscriptions" ||
    groups?.toLowerCase() !== "resourcegroups" ||
    providers?.toLowerCase() !== "providers" ||
    provider?.toLowerCase() !== shape.provider.toLowerCase() ||
    type?.toLowerCase() !== shape.type.toLowerCase() ||
    !subscriptionId ||
    !resourceGroup ||
    !name
  ) {
    throw new InvalidIdError(shape.what, input, `expected ${expected}`);
  }
  if (!isGuid(subscriptionId)) throw new InvalidIdError(shape.what, input, "the subscription id is not a GUID");
  assertResourceGroup(resourceGroup, input);
  shape.assertName(name, input);
  return { subscriptionId, resourceGroup, name };
}

function formatResourceId(id: ResourceId, provider: string, type: string): string {
  return `/subscriptions/${id.subscriptionId}/resourceGroups/${id.resourceGroup}/providers/${provider}/${type}/${id.name}`;
}

/** A name check for a resource id's last segment. */
function namedBy(pattern: RegExp, what: string, expected: string): ResourceIdShape["assertName"] {
  return (name, input) => {
    if (!pattern.test(name)) throw new InvalidIdError(what, input, expected);
    return name;
  };
}

const REGISTRY: ResourceIdShape = {
  what: "registry resource id",
  provider: "Microsoft.ContainerRegistry",
  type: "registries",
  assertName: assertRegistryName,
};
const VAULT: ResourceIdShape = {
  what: "key vault resource id",
  provider: "Microsoft.KeyVault",
  type: "vaults",
  assertName: assertVaultName,
};
const IDENTITY: ResourceIdShape = {
  what: "user-assigned identity resource id",
  provider: "Microsoft.ManagedIdentity",
  type: "userAssignedIdentities",
  assertName: namedBy(IDENTITY_NAME, "identity name", "expected 3-128 letters, digits, '-' or '_'"),
};

// ACI container group names: 1-63 lower-case letters, digits or hyphens, not starting or ending with a hyphen
// (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftcontainerinstance).
const CONTAINER_GROUP_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const CONTAINER_GROUP: ResourceIdShape = {
  what: "container group resource id",
  provider: "Microsoft.ContainerInstance",
  type: "containerGroups",
  assertName: namedBy(
    CONTAINER_GROUP_NAME,
    "container group name",
    "expected 1-63 lower-case letters, digits or hyphens",
  ),
};

/** Does the id name a container group (whatever else is wrong with it)? Commands that take --id branch on it. */
export const isContainerGroupId = (id: string): boolean =>
  /\/providers\/Microsoft\.ContainerInstance\/containerGroups\/[^/]+\/?$/i.test(id.trim());
export const parseContainerGroupId = (id: string): ResourceId => parseResourceId(id, CONTAINER_GROUP);
export const parseRegistryId = (id: string): ResourceId => parseResourceId(id, REGISTRY);
export const formatRegistryId = (id: ResourceId): string => formatResourceId(id, REGISTRY.provider, REGISTRY.type);
export const parseVaultId = (id: string): ResourceId => parseResourceId(id, VAULT);
export const formatVaultId = (id: ResourceId): string => formatResourceId(id, VAULT.provider, VAULT.type);
export const parseIdentityId = (id: string): ResourceId => parseResourceId(id, IDENTITY);
export const formatIdentityId = (id: ResourceId): string => formatResourceId(id, IDENTITY.provider, IDENTITY.type);

/** ARM ids compare case-insensitively (the service lower-cases some segments, e.g. `resourcegroups`). */
export function sameResourceId(a: string, b: string): boolean {
  return a.replace(/\/+$/, "").toLowerCase() === b.replace(/\/+$/, "").toLowerCase();
}

/** The resource group named in any ARM resource id, or undefined. */
export function resourceGroupOf(id: string): string | undefined {
  const match = /\/resourcegroups\/([^/]+)/i.exec(id);
  return match?.[1];
}

// ---------------------------------------------------------------------------------------------------------------
// Role assignment scopes

/**
 * The vault scope as @azure/arm-authorization wants it: no leading slash (its `{scope}` path parameter is not
 * encoded and follows a slash, so "/subscriptions/…" would become "//subscriptions/…").
 */
export function vaultScope(vault: ResourceId): string {
  return toRoleAssignmentScope(formatVaultId(vault));
}

/** Normalises a scope someone typed (with or without the leading slash) to the SDK's form. */
export function toRoleAssignmentScope(scope: string): string {
  const trimmed = scope.trim().replace(/^\/+/, "").replace(/\/+$/, "");
  if (!/^subscriptions\/[^/]+/i.test(trimmed)) {
    throw new InvalidIdError("role assignment scope", scope, "expected /subscriptions/<id>/… ");
  }
  if (!isGuid(trimmed.split("/")[1] ?? "")) {
    throw new InvalidIdError("role assignment scope", scope, "the subscription id is not a GUID");
  }
  return trimmed;
}

/** `<scope>/providers/Microsoft.Authorization/roleAssignments/<guid>` → scope (SDK form) and assignment name. */
export function parseRoleAssignmentId(id: string): { scope: string; name: string } {
  const match = /^\/?(.+)\/providers\/Microsoft\.Authorization\/roleAssignments\/([^/]+)\/?$/i.exec(id.trim());
  if (!match?.[1] || !match[2]) {
    throw new InvalidIdError(
      "role assignment id",
      id,
      "expected <scope>/providers/Microsoft.Authorization/roleAssignments/<guid>",
    );
  }
  if (!isGuid(match[2])) throw new InvalidIdError("role assignment id", id, "the assignment name is not a GUID");
  return { scope: toRoleAssignmentScope(match[1]), name: match[2] };
}

/** Role definition ids are subscription-scoped in Azure; a bare GUID becomes the full id. */
export function roleDefinitionIdFor(subscriptionId: string, roleDefinition: string): string {
  if (isGuid(roleDefinition)) {
    return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleDefinition}`;
  }
  const match = /\/providers\/Microsoft\.Authorization\/roleDefinitions\/([^/]+)$/i.exec(roleDefinition.trim());
  if (!match?.[1] || !isGuid(match[1])) {
    throw new InvalidIdError("role definition id", roleDefinition, "expected a GUID or …/roleDefinitions/<guid>");
  }
  return roleDefinition.trim();
}

/** The GUID at the end of a role definition id (comparisons across scopes use it). */
export function roleDefinitionGuid(roleDefinitionId: string): string {
  return (roleDefinitionId.split("/").pop() ?? roleDefinitionId).toLowerCase();
}

// ---------------------------------------------------------------------------------------------------------------
// Key Vault data plane: vault URIs and key ids

/** DNS suffixes of Key Vault in the public and sovereign clouds. */
export const VAULT_DNS_SUFFIXES = [
  "vault.azure.net",
  "vault.azure.cn",
  "vault.usgovcloudapi.net",
  "vault.microsoftazure.de",
] as const;

export interface VaultUrl {
  /** `https://<vault>.<suffix>/`, as Azure reports `vaultUri`. */
  vaultUrl: string;
  vaultName: string;
  dnsSuffix: string;
}

function parseVaultHost(url: URL, what: string, input: string): VaultUrl {
  if (url.protocol !== "https:") throw new InvalidIdError(what, input, "Key Vault URLs use https");
  if (url.port && url.port !== "443") throw new InvalidIdError(what, input, "Key Vault URLs carry no port");
  const host = url.hostname.toLowerCase();
  const dnsSuffix = VAULT_DNS_SUFFIXES.find((suffix) => host.endsWith(`.${suffix}`));
  if (!dnsSuffix) {
    throw new InvalidIdError(
      what,
      input,
      `expected https://<vault>.${VAULT_DNS_SUFFIXES[0]}/ (or a sovereign cloud's)`,
    );
  }
  const vaultName = host.slice(0, -dnsSuffix.length - 1);
  assertVaultName(vaultName, input);
  return { vaultUrl: `https://${vaultName}.${dnsSuffix}/`, vaultName, dnsSuffix };
}

function toUrl(input: string, what: string, example: string): URL {
  try {
    return new URL(input.trim());
  } catch {
    throw new InvalidIdError(what, input, `expected ${example}`);
  }
}

/** Accepts `https://<vault>.vault.azure.net` with or without the trailing slash, nothing after it. */
export function parseVaultUrl(input: string): VaultUrl {
  const url = toUrl(input, "key vault URL", "https://<vault>.vault.azure.net/");
  if (url.pathname !== "/" || url.search || url.hash) {
    throw new InvalidIdError(
      "key vault URL",
      input,
      "expected just https://<vault>.vault.azure.net/ (a key id is …/keys/<name>)",
    );
  }
  return parseVaultHost(url, "key vault URL", input);
}

export function formatVaultUrl(vaultName: string, dnsSuffix: string = VAULT_DNS_SUFFIXES[0]): string {
  return `https://${assertVaultName(vaultName).toLowerCase()}.${dnsSuffix}/`;
}

export interface KeyId extends VaultUrl {
  /** The id as given, normalised: `https://<vault>.<suffix>/keys/<name>[/<version>]`. */
  id: string;
  name: string;
  /** Absent for a versionless id (automatic rotation). */
  version?: string;
}

/** `https://<vault>.vault.azure.net/keys/<name>[/<version>]`: versioned (manual rotation) or versionless (automatic). */
export function parseKeyId(input: string): KeyId {
  const example = "https://<vault>.vault.azure.net/keys/<name>[/<version>]";
  const url = toUrl(input, "key id", example);
  const vault = parseVaultHost(url, "key id", input);
  if (url.search || url.hash) throw new InvalidIdError("key id", input, `expected ${example}`);
  const segments = url.pathname.replace(/^\//, "").replace(/\/$/, "").split("/");
  const [collection, name, version, ...rest] = segments;
  if (collection?.toLowerCase() !== "keys" || !name || rest.length > 0) {
    throw new InvalidIdError("key id", input, `expected ${example}`);
  }
  assertKeyName(name, input);
  if (version !== undefined && !KEY_VERSION.test(version)) {
    throw new InvalidIdError("key id", input, "the key version is not 32 hexadecimal characters");
  }
  return {
    ...vault,
    id: formatKeyId(vault.vaultUrl, name, version),
    name,
    ...(version === undefined ? {} : { version }),
  };
}

export function formatKeyId(vaultUrl: string, name: string, version?: string): string {
  const base = vaultUrl.endsWith("/") ? vaultUrl : `${vaultUrl}/`;
  return `${base}keys/${name}${version ? `/${version}` : ""}`;
}

/** Same key, any version: compares vault host and key name case-insensitively. */
export function sameKey(a: string, b: string): boolean {
  const ka = parseKeyId(a);
  const kb = parseKeyId(b);
  return ka.vaultUrl === kb.vaultUrl && ka.name.toLowerCase() === kb.name.toLowerCase();
}
