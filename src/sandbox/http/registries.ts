// Microsoft.ContainerRegistry/registries routes: GET, list, PUT (create, or the az CLI's full-body update), PATCH
// (identity assign/remove, rotate-key). Creation and identity or key changes answer as long-running operations, as ACR
// does: 201 with provisioningState Creating/Updating and an Azure-AsyncOperation status URL.
import { inSubscription } from "../fleet.js";
import { z } from "zod";
import { registryId } from "../ids.js";
import type { RegistryRecord, World } from "../world.js";
import { requireResourceGroup, requireSubscription, sameText } from "./arm-scope.js";
import { readJson, type RouteContext, type RouteResult } from "./context.js";
import { POLL_AGAIN_NOW, startOperation } from "./operation-statuses.js";
import { badRequest, resourceNotFound, ServiceError } from "./problems.js";
import { CMK_HELP, findRegistry, REGISTRY_TYPE as TYPE, registryBody } from "./registry-body.js";
import { applyIdentity } from "./registry-identity.js";
import { proposeEncryption, updateExisting, validKeyIdentifier } from "./registry-update.js";

const identitySchema = z
  .object({
    type: z.string().optional(),
    userAssignedIdentities: z
      .record(z.string(), z.union([z.object({}).loose(), z.null()]))
      .nullable()
      .optional(),
  })
  .loose();

const encryptionSchema = z
  .object({
    status: z.enum(["enabled", "disabled"]).optional(),
    keyVaultProperties: z
      .object({ keyIdentifier: z.string().min(1).optional(), identity: z.string().min(1).optional() })
      .loose()
      .nullable()
      .optional(),
  })
  .loose();

const updateSchema = z
  .object({
    identity: identitySchema.nullable().optional(),
    sku: z
      .object({ name: z.enum(["Basic", "Standard", "Premium"]) })
      .loose()
      .optional(),
    properties: z.object({ encryption: encryptionSchema.nullable().optional() }).loose().nullable().optional(),
  })
  .loose();

const createSchema = updateSchema.extend({
  location: z.string().min(1),
  sku: z.object({ name: z.enum(["Basic", "Standard", "Premium"]) }).loose(),
});

export function listRegistries(ctx: RouteContext, params: Record<string, string>): RouteResult {
  const world = ctx.store.read();
  const sub = params.sub as string;
  if (params.rg) requireResourceGroup(world, sub, params.rg);
  else requireSubscription(world, sub);
  const value = Object.values(world.registries)
    .filter((r) => inSubscription(r.id, sub) && (!params.rg || sameText(r.resourceGroup, params.rg)))
    .map((r) => registryBody(world, r));
  return { status: 200, body: { value } };
}

export function getRegistry(ctx: RouteContext, params: Record<string, string>): RouteResult {
  const world = ctx.store.read();
  const rg = requireResourceGroup(world, params.sub as string, params.rg as string);
  const registry = findRegistry(world, rg, params.name as string);
  if (!registry) throw resourceNotFound(TYPE, params.name as string, rg);
  return { status: 200, body: registryBody(world, registry) };
}

function createRegistry(
  world: World,
  params: { sub: string; rg: string; name: string },
  body: z.infer<typeof createSchema>,
  now: Date,
): RegistryRecord {
  if (!/^[a-zA-Z0-9]{5,50}$/.test(params.name)) {
    throw badRequest(
      `The registry name '${params.name}' is invalid: use 5 to 50 alphanumeric characters.`,
      "InvalidRegistryName",
    );
  }
  if (Object.values(world.registries).some((r) => sameText(r.name, params.name))) {
    throw new ServiceError(
      409,
      "AlreadyInUse",
      `The registry DNS name ${params.name.toLowerCase()}.azurecr.io is already in use.`,
    );
  }
  const registry: RegistryRecord = {
    id: registryId(world.subscriptionId, params.rg, params.name),
    name: params.name,
    resourceGroup: params.rg,
    location: body.location,
    sku: body.sku.name,
    createdAt: now.toISOString(),
    userAssignedIdentities: [],
    encryption: { status: "disabled" },
    repositories: [],
  };
  if (body.identity) applyIdentity(world, registry, body.identity, "put");
  const encryption = body.properties?.encryption ?? undefined;
  if (encryption?.status === "enabled") {
    if (registry.sku !== "Premium") {
      throw badRequest(`Customer-managed key encryption requires the Premium SKU. ${CMK_HELP}`);
    }
    const kvp = encryption.keyVaultProperties;
    if (!kvp?.keyIdentifier || !kvp.identity) {
      throw badRequest(
        `Encryption needs keyVaultProperties.keyIdentifier and keyVaultProperties.identity. ${CMK_HELP}`,
      );
    }
    validKeyIdentifier(kvp.keyIdentifier);
    registry.encryption = { status: "enabled" };
    const proposal = proposeEncryption(world, registry, kvp.keyIdentifier, kvp.identity, now);
    if (!proposal.ok) throw proposal.error;
    Object.assign(registry, proposal.registry);
    registry.encryption.lastKeyRotationTimestamp ??= now.toISOString();
  }
  world.registries[registry.id.toLowerCase()] = registry;
  return registry;
}

export function putRegistry(ctx: RouteContext, params: Record<string, string>): RouteResult {
  const body = readJson(ctx, createSchema, "arm");
  return ctx.store.update((world, now) => {
    const rg = requireResourceGroup(world, params.sub as string, params.rg as string);
    const registry = findRegistry(world, rg, params.name as string);
    if (!registry) {
      // ACR answers a creation with 201, provisioningState Creating and an Azure-AsyncOperation status URL
      // (test_acr_encryption_with_cmk.yaml and test_acr_identity.yaml in Azure/azure-cli's recordings).
      const created = createRegistry(world, { sub: params.sub as string, rg, name: params.name as string }, body, now);
      const pollUrl = startOperation(world, ctx, created.id, "registry-create");
      return {
        status: 201,
        body: registryBody(world, created, "Creating"),
        headers: { "azure-asyncoperation": pollUrl, ...POLL_AGAIN_NOW },
      };
    }
    return answerUpdate(ctx, world, registry, body, "put", now);
  });
}

/**
 * Identity and encryption changes, by PATCH or by the az CLI's full-body PUT, answer as long-running operations, so the
 * SDK's poller is exercised. ACR's 201 body is the registry as it was, provisioningState Updating: the change shows
 * once the status URL says Succeeded (Azure/azure-cli's recordings test_acr_identity.yaml, identity assign and remove,
 * and test_acr_encryption_with_cmk.yaml, rotate-key).
 */
function answerUpdate(
  ctx: RouteContext,
  world: World,
  registry: RegistryRecord,
  body: z.infer<typeof updateSchema>,
  mode: "patch" | "put",
  now: Date,
): RouteResult {
  const before = registryBody(world, registry, "Updating");
  const outcome = updateExisting(world, registry, body, mode, now);
  if (outcome instanceof ServiceError) throw outcome;
  const { result, changed } = outcome;
  if (result.status !== 200 || !changed || !(body.identity || body.properties?.encryption)) return result;
  const pollUrl = startOperation(world, ctx, registry.id, "registry-update");
  return { status: 201, body: before, headers: { "azure-asyncoperation": pollUrl, ...POLL_AGAIN_NOW } };
}

export function patchRegistry(ctx: RouteContext, params: Record<string, string>): RouteResult {
  const body = readJson(ctx, updateSchema, "arm");
  return ctx.store.update((world, now) => {
    const rg = requireResourceGroup(world, params.sub as string, params.rg as string);
    const registry = findRegistry(world, rg, params.name as string);
    if (!registry) throw resourceNotFound(TYPE, params.name as string, rg);
    return answerUpdate(ctx, world, registry, body, "patch", now);
  });
}
