// Azure Resource Graph (@azure/arm-resourcegraph, POST /providers/Microsoft.ResourceGraph/resources, api-version
// 2024-04-01): one paged query finds every CMK registry, CMK container group and key vault across subscriptions,
// instead of one list call per subscription and resource type
// (https://learn.microsoft.com/azure/governance/resource-graph/concepts/work-with-data#paging-results).
import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import type { Registry } from "@azure/arm-containerregistry";
import type { TokenCredential } from "@azure/core-auth";
import { z } from "zod";
import { callAzure } from "./errors.js";
import type { ContainerGroupInfo, FleetInventory, FleetRegistry, FleetVault } from "./fleet-types.js";
import { resourceGroupOf } from "./ids.js";
import { normaliseArmEndpoint, pipelineOptions, type PipelineSettings } from "./port/clients.js";
import { toRegistryInfo } from "./port/registries.js";
import type { CallOptions, KeyUser } from "./types.js";

const PROJECT = "| project id, name, type, subscriptionId, resourceGroup, location, sku, identity, properties";

/** Every CMK resource and every key vault (vaults tell which subscription each key's vault lives in). */
export const FLEET_QUERY = [
  "resources",
  "| where (type =~ 'microsoft.containerregistry/registries' and tostring(properties.encryption.status) =~ 'enabled')",
  "    or (type =~ 'microsoft.containerinstance/containergroups' and isnotnull(properties.encryptionProperties))",
  "    or type =~ 'microsoft.keyvault/vaults'",
  PROJECT,
  "| order by id asc",
].join("\n");

/** One resource by id; the id is checked first, so it cannot end the string literal. */
export function resourceByIdQuery(id: string): string {
  if (!/^\/subscriptions\/[^'"\\\s]+$/i.test(id)) throw new RangeError(`'${id}' is not a resource id`);
  return `resources\n| where id =~ '${id}'\n${PROJECT}`;
}

/** Rows as large as Resource Graph allows per page: fewer round trips. */
const PAGE_SIZE = 1000;

const rowSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.string(),
    subscriptionId: z.string(),
    resourceGroup: z.string().optional(),
    location: z.string().optional(),
    sku: z.unknown().optional(),
    identity: z.unknown().optional(),
    properties: z.record(z.string(), z.unknown()).nullish(),
  })
  .loose();
type Row = z.infer<typeof rowSchema>;

const identitySchema = z
  .object({
    type: z.string().optional(),
    userAssignedIdentities: z
      .record(z.string(), z.object({ principalId: z.string().optional(), clientId: z.string().optional() }).loose())
      .nullish(),
  })
  .loose()
  .nullish();

const groupPropertiesSchema = z
  .object({
    encryptionProperties: z
      .object({
        vaultBaseUrl: z.string(),
        keyName: z.string(),
        keyVersion: z.string(),
        identity: z.string().optional(),
      })
      .loose(),
    containers: z
      .array(
        z
          .object({
            name: z.string(),
            properties: z
              .object({
                image: z.string(),
                resources: z
                  .object({
                    requests: z.object({ cpu: z.number().optional(), memoryInGB: z.number().optional() }).loose(),
                  })
                  .loose()
                  .optional(),
              })
              .loose(),
          })
          .loose(),
      )
      .default([]),
    osType: z.string().optional(),
  })
  .loose();

export function toContainerGroupInfo(row: Row): ContainerGroupInfo | null {
  const properties = groupPropertiesSchema.safeParse(row.properties ?? {});
  if (!properties.success) return null;
  const identity = identitySchema.safeParse(row.identity);
  const assigned = identity.success ? (identity.data?.userAssignedIdentities ?? {}) : {};
  const { encryptionProperties: enc, containers, osType } = properties.data;
  return {
    id: row.id,
    name: row.name,
    resourceGroup: resourceGroupOf(row.id) ?? row.resourceGroup ?? "",
    subscriptionId: row.subscriptionId,
    location: row.location ?? "",
    identity: {
      type: (identity.success ? identity.data?.type : undefined) ?? "None",
      userAssigned: Object.entries(assigned).map(([id, value]) => ({
        id,
        ...(value.principalId ? { principalId: value.principalId } : {}),
        ...(value.clientId ? { clientId: value.clientId } : {}),
      })),
    },
    encryption: {
      vaultBaseUrl: enc.vaultBaseUrl,
      keyName: enc.keyName,
      keyVersion: enc.keyVersion,
      ...(enc.identity ? { identity: enc.identity } : {}),
    },
    containers: containers.map((c) => ({
      name: c.name,
      image: c.properties.image,
      ...(c.properties.resources?.requests.cpu !== undefined ? { cpu: c.properties.resources.requests.cpu } : {}),
      ...(c.properties.resources?.requests.memoryInGB !== undefined
        ? { memoryInGB: c.properties.resources.requests.memoryInGB }
        : {}),
    })),
    ...(osType ? { osType } : {}),
  };
}

/** A registry row is the REST body the SDK flattens; flatten it the same way and reuse the port's mapping. */
function toFleetRegistry(row: Row): FleetRegistry | null {
  if (!row.sku || typeof row.sku !== "object") return null;
  const flattened = { ...(row.properties ?? {}), id: row.id, name: row.name, location: row.location ?? "" };
  const registry = { ...flattened, sku: row.sku, identity: row.identity ?? undefined } as unknown as Registry;
  return { ...toRegistryInfo(registry), subscriptionId: row.subscriptionId };
}

export interface ResourceGraphSettings extends PipelineSettings {
  armEndpoint?: string;
}

export function createResourceGraph(credential: TokenCredential, settings: ResourceGraphSettings) {
  const client = new ResourceGraphClient(credential, {
    ...pipelineOptions(settings),
    endpoint: normaliseArmEndpoint(settings.armEndpoint),
  });

  /** Every row of a query over the subscriptions, page after page by $skipToken. */
  async function queryAll(query: string, subscriptions: string[], options?: CallOptions) {
    return callAzure("query Azure Resource Graph", async () => {
      const rows: Row[] = [];
      let skipToken: string | undefined;
      let pages = 0;
      do {
        const page = await client.resources(
          {
            query,
            subscriptions,
            options: { top: PAGE_SIZE, resultFormat: "objectArray", ...(skipToken ? { skipToken } : {}) },
          },
          { abortSignal: options?.abortSignal },
        );
        pages += 1;
        const data = Array.isArray(page.data) ? page.data : [];
        for (const item of data) {
          const row = rowSchema.safeParse(item);
          if (row.success) rows.push(row.data);
        }
        skipToken = page.skipToken || undefined;
      } while (skipToken);
      return { rows, pages };
    });
  }

  return {
    async inventory(subscriptions: string[], options?: CallOptions): Promise<FleetInventory> {
      const { rows, pages } = await queryAll(FLEET_QUERY, subscriptions, options);
      const inventory: FleetInventory = { registries: [], containerGroups: [], vaults: [], pages };
      for (const row of rows) {
        const type = row.type.toLowerCase();
        if (type === "microsoft.containerregistry/registries") {
          const registry = toFleetRegistry(row);
          if (registry) inventory.registries.push(registry);
        } else if (type === "microsoft.containerinstance/containergroups") {
          const group = toContainerGroupInfo(row);
          if (group) inventory.containerGroups.push(group);
        } else if (type === "microsoft.keyvault/vaults") {
          const vault: FleetVault = {
            id: row.id,
            name: row.name,
            subscriptionId: row.subscriptionId,
            resourceGroup: resourceGroupOf(row.id) ?? row.resourceGroup ?? "",
          };
          inventory.vaults.push(vault);
        }
      }
      return inventory;
    },

    async getContainerGroup(id: string, subscriptions: string[], options?: CallOptions) {
      const { rows } = await queryAll(resourceByIdQuery(id), subscriptions, options);
      const row = rows.find((r) => r.type.toLowerCase() === "microsoft.containerinstance/containergroups");
      return row ? toContainerGroupInfo(row) : null;
    },
  };
}

/** The users of one key (versionless id, compared without case) in an inventory. */
export function keyUsersOf(inventory: FleetInventory, keyId: string): KeyUser[] {
  const wanted = keyId.toLowerCase().replace(/\/+$/, "");
  const users: KeyUser[] = [];
  const versionless = (kid: string | undefined) =>
    kid
      ?.toLowerCase()
      .replace(/\/[0-9a-f]{32}\/?$/, "")
      .replace(/\/+$/, "");
  for (const r of inventory.registries) {
    const { keyIdentifier, versionedKeyIdentifier, identity } = r.encryption;
    if (versionless(keyIdentifier) !== wanted) continue;
    const version = /\/([0-9a-f]{32})\/?$/i.exec(versionedKeyIdentifier ?? keyIdentifier ?? "")?.[1];
    users.push({
      id: r.id,
      type: "registry",
      ...(version ? { keyVersion: version } : {}),
      ...(identity ? { identity } : {}),
    });
  }
  for (const g of inventory.containerGroups) {
    const kid = `${g.encryption.vaultBaseUrl.replace(/\/+$/, "")}/keys/${g.encryption.keyName}`;
    if (kid.toLowerCase() !== wanted) continue;
    users.push({
      id: g.id,
      type: "containerGroup",
      keyVersion: g.encryption.keyVersion,
      ...(g.encryption.identity ? { identity: g.encryption.identity } : {}),
    });
  }
  return users;
}
