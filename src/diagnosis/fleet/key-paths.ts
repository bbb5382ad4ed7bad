// Groups a fleet by key path: the vault, key and version a resource reads, and the identity it reads them with.
// Every resource on one path gets the same answers from Key Vault and Entra, so each path is checked once.
// A container group is judged as a registry pinned to its key version: its encryption is fixed at deployment
// (https://learn.microsoft.com/azure/container-instances/container-instances-encrypt-data).
import { formatKeyId, parseKeyId } from "../../azure/ids.js";
import type { ContainerGroupInfo, FleetRegistry } from "../../azure/fleet-types.js";
import type { RegistryInfo } from "../../azure/types.js";
import { keyReferenceOf, planIdentity } from "../probe.js";

export type ResourceType = "registry" | "containerGroup";

export interface ScanSubject {
  type: ResourceType;
  id: string;
  name: string;
  resourceGroup: string;
  subscriptionId: string;
  /** The registry, or the container group seen as a registry pinned to its key version. */
  info: RegistryInfo;
  /** Versionless key id (https://<vault>.vault.azure.net/keys/<name>); null when none can be read. */
  keyId: string | null;
  /** The version in use; null when unknown. */
  keyVersion: string | null;
  /** Who reads the key: a user-assigned identity's name, "system", or the raw value. */
  identity: string | null;
  /** Key path: resources with the same one share every key, vault and identity answer. */
  path: string;
  /** The vault's name, to find its subscription. */
  vaultName: string | null;
  /** The container group itself, for the redeploy shape. */
  group?: ContainerGroupInfo;
}

function identityName(resourceId: string | undefined): string | null {
  return resourceId ? (resourceId.split("/").pop() ?? resourceId) : null;
}

export function registrySubject(registry: FleetRegistry): ScanSubject {
  const { keyRef, keyVersionInUse } = keyReferenceOf(registry);
  const plan = planIdentity(registry);
  // A system identity is the registry's own, so its path is too; a user-assigned one is shared when it is assigned.
  const who =
    plan?.kind === "system"
      ? `system:${registry.id}`
      : plan
        ? `user:${plan.clientId}:${plan.assigned ? "assigned" : "unassigned"}`
        : "none";
  const identity =
    plan?.kind === "system" ? "system" : plan?.assigned ? identityName(plan.assigned.id) : (plan?.clientId ?? null);
  const keyId = keyRef ? formatKeyId(keyRef.vaultUrl, keyRef.name) : null;
  return {
    type: "registry",
    id: registry.id,
    name: registry.name,
    resourceGroup: registry.resourceGroup,
    subscriptionId: registry.subscriptionId,
    info: registry,
    keyId,
    keyVersion: keyVersionInUse ?? null,
    identity,
    path: `${keyId ?? registry.encryption.keyIdentifier ?? "?"}/${keyVersionInUse ?? "?"}|${who}`.toLowerCase(),
    vaultName: keyRef?.vaultName ?? null,
  };
}

/** The container group as a registry pinned to its version, using the identity its encryptionProperties names. */
export function containerGroupAsRegistry(group: ContainerGroupInfo): RegistryInfo {
  const base = group.encryption.vaultBaseUrl.replace(/\/+$/, "");
  const kid = `${base}/keys/${group.encryption.keyName}/${group.encryption.keyVersion}`;
  const identityId = group.encryption.identity?.toLowerCase();
  const assigned = group.identity.userAssigned.find((u) => u.id.toLowerCase() === identityId);
  return {
    id: group.id,
    name: group.name,
    resourceGroup: group.resourceGroup,
    location: group.location,
    sku: "Standard",
    identity: {
      type: group.identity.type as RegistryInfo["identity"]["type"],
      userAssigned: group.identity.userAssigned,
    },
    encryption: {
      status: "enabled",
      keyIdentifier: kid,
      versionedKeyIdentifier: kid,
      // The client id when the group lists the identity; else its resource id, which no identity's client id matches.
      ...(assigned?.clientId
        ? { identity: assigned.clientId }
        : group.encryption.identity
          ? { identity: group.encryption.identity }
          : {}),
    },
  };
}

export function containerGroupSubject(group: ContainerGroupInfo): ScanSubject {
  const info = containerGroupAsRegistry(group);
  let keyId: string | null = null;
  let vaultName: string | null = null;
  try {
    const parsed = parseKeyId(info.encryption.keyIdentifier ?? "");
    keyId = formatKeyId(parsed.vaultUrl, parsed.name);
    vaultName = parsed.vaultName;
  } catch {
    // An unreadable vaultBaseUrl: the rules report the key id as invalid.
  }
  const plan = planIdentity(info);
  const who = plan?.kind === "user" ? `user:${plan.clientId}:${plan.assigned ? "assigned" : "unassigned"}` : "none";
  return {
    type: "containerGroup",
    id: group.id,
    name: group.name,
    resourceGroup: group.resourceGroup,
    subscriptionId: group.subscriptionId,
    info,
    keyId,
    keyVersion: group.encryption.keyVersion,
    identity: identityName(group.encryption.identity) ?? "ACI service principal",
    path: `${keyId ?? group.encryption.vaultBaseUrl}/${group.encryption.keyVersion}|${who}`.toLowerCase(),
    vaultName,
    group,
  };
}

/** Subjects by key path, in first-seen order. */
export function groupByPath(subjects: readonly ScanSubject[]): Map<string, ScanSubject[]> {
  const paths = new Map<string, ScanSubject[]>();
  for (const subject of subjects) paths.set(subject.path, [...(paths.get(subject.path) ?? []), subject]);
  return paths;
}

/** Words written of a registry, said of a container group: "the registry's key" becomes "the container group's key". */
export function groupWords(text: string): string {
  return text.replace(/\b([Tt]he) registry\b/g, "$1 container group");
}
