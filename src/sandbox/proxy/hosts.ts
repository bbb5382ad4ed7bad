// Which host names the proxy answers for, and whether a name "resolves" in the world: the public cloud's Resource
// Manager, Microsoft Entra ID's sign-in hosts, Log Analytics' query API, and the vaults' and registries' own DNS names. Everything else is
// refused; nothing is ever forwarded.
import { vaultRecord } from "../http/vault-lookup.js";
import type { World } from "../world.js";

export type ProxyTarget =
  | { service: "arm"; host: string }
  | { service: "entra"; host: string }
  | { service: "keyvault"; host: string; name: string }
  | { service: "acr"; host: string; name: string }
  | { service: "loganalytics"; host: string };

/**
 * login.windows.net is the authority Key Vault names in its bearer challenge; Entra lists it as an alias of
 * login.microsoftonline.com (https://learn.microsoft.com/en-us/entra/identity-platform/authentication-national-cloud).
 */
const ENTRA_HOSTS = new Set(["login.microsoftonline.com", "login.windows.net"]);
/** Vault names: 3–24 letters, digits and hyphens (https://learn.microsoft.com/en-us/azure/key-vault/general/about-keys-secrets-certificates#vault-name-and-object-name). */
const VAULT_HOST = /^([a-z0-9-]{3,24})\.vault\.azure\.net$/;
/** Registry names: 5–50 letters and digits (https://learn.microsoft.com/en-us/azure/container-registry/container-registry-get-started-portal). */
const REGISTRY_HOST = /^([a-z0-9]{5,50})\.azurecr\.io$/;
/** Log Analytics' query API and its regional names (https://learn.microsoft.com/en-us/azure/azure-monitor/logs/api/access-api). */
const LOG_ANALYTICS_HOST = /^(?:[a-z0-9-]+\.)?api\.loganalytics\.(?:io|azure\.com)$/;

/** The simulated service behind `host` (already lower-cased, no port), or null for a host the sandbox does not have. */
export function proxyTarget(host: string): ProxyTarget | null {
  if (host === "management.azure.com") return { service: "arm", host };
  if (ENTRA_HOSTS.has(host)) return { service: "entra", host };
  if (LOG_ANALYTICS_HOST.test(host)) return { service: "loganalytics", host };
  const vault = VAULT_HOST.exec(host);
  if (vault) return { service: "keyvault", host, name: vault[1] as string };
  const registry = REGISTRY_HOST.exec(host);
  if (registry) return { service: "acr", host, name: registry[1] as string };
  return null;
}

/**
 * Does the name exist in DNS right now? A soft-deleted or purged vault's name stops resolving, and a registry that
 * does not exist has no name either (https://learn.microsoft.com/en-us/azure/key-vault/general/soft-delete-overview).
 */
export function resolves(world: World, target: ProxyTarget): boolean {
  if (target.service === "keyvault") {
    const vault = vaultRecord(world, target.name);
    return Boolean(vault && !vault.deleted && !vault.purged);
  }
  if (target.service === "acr") {
    return Object.values(world.registries).some((r) => r.name.toLowerCase() === target.name);
  }
  return true;
}

/** Parses a CONNECT request's authority (`host:port`, RFC 9110 §9.3.6); IPv6 literals are not simulated hosts. */
export function parseAuthority(authority: string): { host: string; port: number } | null {
  const match = /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(authority);
  if (!match) return null;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return null;
  return { host: (match[1] as string).toLowerCase().replace(/\.$/, ""), port };
}
