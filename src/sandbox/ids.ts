// Identifiers the sandbox mints and parses. Shapes match Azure's exactly, because the SDK's parsers
// (parseKeyVaultIdentifier, ARM id helpers) are the judge of what a body may contain.
import { randomBytes, randomUUID } from "node:crypto";

export function newGuid(): string {
  return randomUUID();
}

/** Key Vault key versions are 32 lower-case hex characters. */
export function newKeyVersion(): string {
  return randomBytes(16).toString("hex");
}

/** Vault names are global: the data plane always lives at https://<name>.vault.azure.net/. */
export function vaultUri(name: string): string {
  return `https://${name}.vault.azure.net/`;
}

/** `https://<vault>.vault.azure.net/keys/<key>[/<version>]` — versionless when no version is given. */
export function keyId(vault: string, key: string, version?: string): string {
  return `https://${vault}.vault.azure.net/keys/${key}${version ? `/${version}` : ""}`;
}

export interface ParsedKeyId {
  vault: string;
  key: string;
  version?: string;
}

/**
 * A world holds a few distinct key identifiers, read by every request (auto-rotation looks at each registry's): each
 * is parsed once. Frozen, because every caller shares it; bounded, because a long-lived `sandbox serve` sees new ones.
 */
const parsedKeyIds = new Map<string, Readonly<ParsedKeyId> | null>();
const PARSED_KEY_IDS_KEPT = 10_000;

/** Parses a key identifier as the registry stores it; null when it is not a Key Vault key URL. */
export function parseKeyId(kid: string): Readonly<ParsedKeyId> | null {
  const known = parsedKeyIds.get(kid);
  if (known !== undefined) return known;
  const parsed = parseKeyUrl(kid);
  if (parsedKeyIds.size >= PARSED_KEY_IDS_KEPT) parsedKeyIds.clear();
  parsedKeyIds.set(kid, parsed ? Object.freeze(parsed) : null);
  return parsed;
}

function parseKeyUrl(kid: string): ParsedKeyId | null {
  let url: URL;
  try {
    url = new URL(kid);
  } catch {
    return null;
  }
  const host = url.hostname.toLowerCase();
  const suffix = ".vault.azure.net";
  if (!host.endsWith(suffix)) return null;
  const vault = host.slice(0, -suffix.length);
  const segments = url.pathname.split("/").filter((s) => s.length > 0);
  if (segments.length < 2 || segments.length > 3 || segments[0]?.toLowerCase() !== "keys") return null;
  const key = segments[1] as string;
  const version = segments[2];
  return version ? { vault, key, version } : { vault, key };
}

export function resourceGroupId(sub: string, rg: string): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}`;
}

export function registryId(sub: string, rg: string, name: string): string {
  return `${resourceGroupId(sub, rg)}/providers/Microsoft.ContainerRegistry/registries/${name}`;
}

export function identityId(sub: string, rg: string, name: string): string {
  return `${resourceGroupId(sub, rg)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;
}

export function vaultResourceId(sub: string, rg: string, name: string): string {
  return `${resourceGroupId(sub, rg)}/providers/Microsoft.KeyVault/vaults/${name}`;
}

export function roleDefinitionId(sub: string, roleGuid: string): string {
  return `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`;
}

export function roleAssignmentId(scope: string, name: string): string {
  return `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`;
}
