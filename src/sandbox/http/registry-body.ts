// The registry resource as Resource Manager returns it (Microsoft.ContainerRegistry/registries, spec
// specification/containerregistry/resource-manager/Microsoft.ContainerRegistry/Registry/stable/2025-11-01/containerregistry.json).
import { parseKeyId } from "../ids.js";
import type { RegistryRecord, World } from "../world.js";
import { sameText } from "./arm-scope.js";

export const REGISTRY_TYPE = "Microsoft.ContainerRegistry/registries";
export const CMK_HELP = "For more information on bring your own key, please visit 'https://aka.ms/acr/cmk'.";

function loginServer(registry: RegistryRecord): string {
  return `${registry.name.toLowerCase()}.azurecr.io`;
}

/**
 * identity.type in the spec's casing ("UserAssigned"). ACR itself has answered "userAssigned" and "systemAssigned,
 * userAssigned" (Azure/azure-cli's recordings test_acr_identity.yaml, test_acr_encryption_with_cmk.yaml); the sandbox
 * does not copy that, because Debian's az 2.45 compares the type with case and then adds a system identity on
 * `acr identity assign` (docs/azure-behaviour.md, differences). No identity: ACR leaves `identity` out (the same
 * recordings, after creation and after each `acr identity remove`).
 */
function identityType(registry: RegistryRecord): string | undefined {
  const system = Boolean(registry.systemIdentity);
  const user = registry.userAssignedIdentities.length > 0;
  if (system && user) return "SystemAssigned, UserAssigned";
  if (system) return "SystemAssigned";
  if (user) return "UserAssigned";
  return undefined;
}

/** The registry as ARM returns it. `sku` is always present: the SDK's deserializer reads it unconditionally. */
export function registryBody(world: World, registry: RegistryRecord, provisioningState = "Succeeded"): unknown {
  const type = identityType(registry);
  const identity: Record<string, unknown> = { type };
  if (registry.systemIdentity) {
    identity.principalId = registry.systemIdentity.principalId;
    identity.tenantId = registry.systemIdentity.tenantId;
  }
  if (registry.userAssignedIdentities.length > 0) {
    identity.userAssignedIdentities = Object.fromEntries(
      registry.userAssignedIdentities.map((id) => {
        const record = world.identities[id.toLowerCase()];
        return [record?.id ?? id, record ? { principalId: record.principalId, clientId: record.clientId } : {}];
      }),
    );
  }
  const enc = registry.encryption;
  const encryption: Record<string, unknown> = { status: enc.status };
  if (enc.status === "enabled" && enc.keyIdentifier) {
    const configured = parseKeyId(enc.keyIdentifier);
    encryption.keyVaultProperties = {
      keyIdentifier: enc.keyIdentifier,
      versionedKeyIdentifier: enc.versionedKeyIdentifier ?? enc.keyIdentifier,
      identity: enc.identity,
      // A versionless key id means automatic rotation (https://learn.microsoft.com/en-us/azure/container-registry/tutorial-customer-managed-keys).
      keyRotationEnabled: configured !== null && configured.version === undefined,
      ...(enc.lastKeyRotationTimestamp ? { lastKeyRotationTimestamp: enc.lastKeyRotationTimestamp } : {}),
    };
  }
  return {
    id: registry.id,
    name: registry.name,
    type: REGISTRY_TYPE,
    location: registry.location,
    tags: {},
    sku: { name: registry.sku, tier: registry.sku },
    ...(type ? { identity } : {}),
    systemData: { createdAt: registry.createdAt, createdByType: "User" },
    properties: {
      loginServer: loginServer(registry),
      creationDate: registry.createdAt,
      provisioningState,
      adminUserEnabled: false,
      networkRuleSet: { defaultAction: "Allow", virtualNetworkRules: [], ipRules: [] },
      policies: {
        quarantinePolicy: { status: "disabled" },
        trustPolicy: { type: "Notary", status: "disabled" },
        retentionPolicy: { days: 7, lastUpdatedTime: registry.createdAt, status: "disabled" },
        exportPolicy: { status: "enabled" },
      },
      encryption,
      dataEndpointEnabled: false,
      dataEndpointHostNames: [],
      privateEndpointConnections: [],
      publicNetworkAccess: "Enabled",
      networkRuleBypassOptions: "AzureServices",
      zoneRedundancy: "Disabled",
      anonymousPullEnabled: false,
    },
  };
}

export function findRegistry(world: World, resourceGroup: string, name: string): RegistryRecord | undefined {
  return Object.values(world.registries).find(
    (r) => sameText(r.resourceGroup, resourceGroup) && sameText(r.name, name),
  );
}
