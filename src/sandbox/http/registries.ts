// Microsoft.ContainerRegistry/registries: GET, list, PUT (create, or the az CLI's full-body update), PATCH (identity
// assign/remove, rotate-key). Body shapes: research §1.1; the CMK rules come from ../health.ts.
import { inSubscription } from "../fleet.js";
import { z } from "zod";
import { identityAccessMessage, registryKeyAccess } from "../health.js";
import { keyId, newGuid, parseKeyId, registryId } from "../ids.js";
import type { RegistryRecord, World } from "../world.js";
import { requireResourceGroup, requireSubscription, sameText } from "./arm-scope.js";
import { readJson, type RouteContext, type RouteResult } from "./context.js";
import { POLL_AGAIN_NOW, startOperation } from "./operation-statuses.js";
import { badRequest, resourceNotFound, ServiceError } from "./problems.js";

const TYPE = "Microsoft.ContainerRegistry/registries";
const CMK_HELP = "For more information on bring your own key, please visit 'https://aka.ms/acr/cmk'.";

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

type UpdateBody = z.infer<typeof updateSchema>;

function loginServer(registry: RegistryRecord): string {
  return `${registry.name.toLowerCase()}.azurecr.io`;
}

function identityType(registry: RegistryRecord): string {
  const system = Boolean(registry.systemIdentity);
  const user = registry.userAssignedIdentities.length > 0;
  if (system && user) return "SystemAssigned, UserAssigned";
  if (system) return "SystemAssigned";
  if (user) return "UserAssigned";
  return "None";
}

/** The registry as ARM returns it. `sku` is always present: the SDK's deserializer reads it unconditionally. */
export function registryBody(world: World, registry: RegistryRecord, provisioningState = "Succeeded"): unknown {
  const identity: Record<string, unknown> = { type: identityType(registry) };
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
      // Versionless key id = automatic rotation (research §1.1).
      keyRotationEnabled: configured !== null && configured.version === undefined,
      ...(enc.lastKeyRotationTimestamp ? { lastKeyRotationTimestamp: enc.lastKeyRotationTimestamp } : {}),
    };
  }
  return {
    id: registry.id,
    name: registry.name,
    type: TYPE,
    location: registry.location,
    tags: {},
    sku: { name: registry.sku, tier: registry.sku },
    identity,
    systemData: { createdAt: registry.createdAt, createdByType: "User" },
    properties: {
      loginServer: loginServer(registry),
      creationDate: registry.createdAt,
      provisioningState,
      adminUserEnabled: false,
      networkRuleSet: { defaultAction: "Allow", ipRules: [] },
      policies: {
        quarantinePolicy: { status: "disabled" },
        trustPolicy: { type: "Notary", status: "disabled" },
        retentionPolicy: { days: 7, status: "disabled" },
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

interface IdentityState {
  system: boolean;
  user: boolean;
}

function parseIdentityType(type: string): IdentityState {
  const normalized = type.replace(/\s+/g, "").toLowerCase();
  switch (normalized) {
    case "none":
      return { system: false, user: false };
    case "systemassigned":
      return { system: true, user: false };
    case "userassigned":
      return { system: false, user: true };
    case "systemassigned,userassigned":
      return { system: true, user: true };
    default:
      throw badRequest(
        `The identity type '${type}' is not valid. Valid values are 'None', 'SystemAssigned', 'UserAssigned' and 'SystemAssigned, UserAssigned'.`,
        "InvalidIdentityType",
      );
  }
}

/**
 * Applies an identity block to `registry`. PATCH merges the user-assigned dictionary (a null value removes an
 * entry, ARM's convention); PUT replaces it (the az CLI's `identity remove` sends the whole registry).
 */
function applyIdentity(
  world: World,
  registry: RegistryRecord,
  identity: NonNullable<UpdateBody["identity"]>,
  mode: "patch" | "put",
): void {
  const requested = identity.type ? parseIdentityType(identity.type) : undefined;
  const dictionary = identity.userAssignedIdentities ?? undefined;
  let users = mode === "put" ? [] : [...registry.userAssignedIdentities];
  if (dictionary) {
    for (const [id, value] of Object.entries(dictionary)) {
      const key = id.toLowerCase();
      if (value === null) {
        users = users.filter((u) => u !== key);
        continue;
      }
      if (!world.identities[key]) {
        throw badRequest(
          `Resource '${id}' was not found. The user-assigned identity must exist before it can be assigned.`,
          "InvalidUserAssignedIdentity",
        );
      }
      if (!users.includes(key)) users.push(key);
    }
  }
  if (requested && !requested.user) users = [];
  if (requested?.user && users.length === 0 && !dictionary) {
    throw badRequest(
      "The identity type 'UserAssigned' needs at least one user-assigned identity in 'userAssignedIdentities'.",
      "InvalidIdentityType",
    );
  }
  registry.userAssignedIdentities = users;
  const system = requested ? requested.system : Boolean(registry.systemIdentity);
  if (system && !registry.systemIdentity) {
    // A system identity that comes back is a new principal: nothing granted to the old one carries over.
    registry.systemIdentity = { principalId: newGuid(), clientId: newGuid(), tenantId: world.tenantId };
  } else if (!system) {
    delete registry.systemIdentity;
  }
}

/** Is the identity a key vault property names ("system" or a client id) assigned to `registry`? */
function identityAssigned(world: World, registry: RegistryRecord, identity: string): boolean {
  if (identity.toLowerCase() === "system") return Boolean(registry.systemIdentity);
  if (sameText(registry.systemIdentity?.clientId, identity)) return true;
  return registry.userAssignedIdentities.some((id) => sameText(world.identities[id]?.clientId, identity));
}

/** Does the update give the registry an identity it did not have (user-assigned or a system one)? */
function assignsIdentity(before: RegistryRecord, after: RegistryRecord): boolean {
  if (after.systemIdentity && !before.systemIdentity) return true;
  return after.userAssignedIdentities.some((id) => !before.userAssignedIdentities.includes(id));
}

/** The principal and client id behind an identity reference, looked up before it is removed. */
function identityPrincipal(
  world: World,
  registry: RegistryRecord,
  identity: string,
): { clientId: string; principalId?: string } {
  if (identity.toLowerCase() === "system" || sameText(registry.systemIdentity?.clientId, identity)) {
    return registry.systemIdentity
      ? { clientId: registry.systemIdentity.clientId, principalId: registry.systemIdentity.principalId }
      : { clientId: identity };
  }
  const record = Object.values(world.identities).find((i) => sameText(i.clientId, identity));
  return record ? { clientId: record.clientId, principalId: record.principalId } : { clientId: identity };
}

/** The version a key identifier lands on: itself when versioned, else the key's newest version (if any). */
function versionedFor(world: World, keyIdentifier: string): string | undefined {
  const parsed = parseKeyId(keyIdentifier);
  if (!parsed) return undefined;
  const vault = world.vaults[parsed.vault.toLowerCase()];
  const key = vault?.keys[parsed.key.toLowerCase()];
  if (parsed.version) return keyId(vault?.name ?? parsed.vault, key?.name ?? parsed.key, parsed.version.toLowerCase());
  const newest = key?.versions[key.versions.length - 1];
  return newest && vault && key ? keyId(vault.name, key.name, newest.version) : undefined;
}

function validKeyIdentifier(keyIdentifier: string): void {
  if (!parseKeyId(keyIdentifier)) {
    throw badRequest(
      `The key identifier '${keyIdentifier}' is not a valid Key Vault key URL (https://<vault>.vault.azure.net/keys/<key>[/<version>]). ${CMK_HELP}`,
      "InvalidKeyIdentifier",
    );
  }
}

/** Rotation or creation with a key: ACR must be able to WRAP with the proposed key and identity (research §1.1). */
function proposeEncryption(
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

interface UpdateOutcome {
  result: RouteResult;
  changed: boolean;
}

/** PATCH or PUT on an existing registry. Returns (rather than throws) errors that must still save a change. */
function updateExisting(
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

  // Removing the identity the encryption runs as: refused, yet the identity is gone and damaged (seed 003).
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

function createRegistry(
  world: World,
  params: { sub: string; rg: string; name: string },
  body: z.infer<typeof createSchema>,
  now: Date,
): RouteResult {
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
  return { status: 201, body: registryBody(world, registry) };
}

export function putRegistry(ctx: RouteContext, params: Record<string, string>): RouteResult {
  const body = readJson(ctx, createSchema, "arm");
  return ctx.store.update((world, now) => {
    const rg = requireResourceGroup(world, params.sub as string, params.rg as string);
    const registry = findRegistry(world, rg, params.name as string);
    if (!registry)
      return createRegistry(world, { sub: params.sub as string, rg, name: params.name as string }, body, now);
    const outcome = updateExisting(world, registry, body, "put", now);
    if (outcome instanceof ServiceError) throw outcome;
    return outcome.result;
  });
}

/** Identity and encryption changes answer as long-running operations, so the SDK's poller is exercised. */
export function patchRegistry(ctx: RouteContext, params: Record<string, string>): RouteResult {
  const body = readJson(ctx, updateSchema, "arm");
  return ctx.store.update((world, now) => {
    const rg = requireResourceGroup(world, params.sub as string, params.rg as string);
    const registry = findRegistry(world, rg, params.name as string);
    if (!registry) throw resourceNotFound(TYPE, params.name as string, rg);
    const outcome = updateExisting(world, registry, body, "patch", now);
    if (outcome instanceof ServiceError) throw outcome;
    const { result, changed } = outcome;
    if (result.status !== 200 || !changed || !(body.identity || body.properties?.encryption)) return result;
    const pollUrl = startOperation(world, ctx, registry.id, "registry-update");
    return {
      status: 201,
      body: registryBody(world, registry, "Updating"),
      headers: { "azure-asyncoperation": pollUrl, ...POLL_AGAIN_NOW },
    };
  });
}
