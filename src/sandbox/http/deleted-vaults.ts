// Microsoft.KeyVault deletedVaults: list, get by location, purge (https://learn.microsoft.com/en-us/azure/key-vault/general/key-vault-recovery). acr-cmk never purges; the
// simulator answers purge as Key Vault would, and every attempt is counted (handler.ts) so tests can prove it.
import type { VaultRecord, World } from "../world.js";
import { requireSubscription } from "./arm-scope.js";
import type { RouteContext, RouteResult } from "./context.js";
import { ServiceError } from "./problems.js";
import { findDeletedVault } from "./vault-lookup.js";

function sameLocation(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/\s+/g, "").toLowerCase();
  return norm(a) === norm(b);
}

export function deletedVaultBody(world: World, vault: VaultRecord): unknown {
  return {
    id: `/subscriptions/${world.subscriptionId}/providers/Microsoft.KeyVault/locations/${vault.location}/deletedVaults/${vault.name}`,
    name: vault.name,
    type: "Microsoft.KeyVault/deletedVaults",
    properties: {
      vaultId: vault.id,
      location: vault.location,
      tags: {},
      deletionDate: vault.deleted?.deletionDate,
      scheduledPurgeDate: vault.deleted?.scheduledPurgeDate,
      purgeProtectionEnabled: vault.enablePurgeProtection,
    },
  };
}

function deletedVaultNotFound(name: string): ServiceError {
  return new ServiceError(404, "DeletedVaultNotFound", `The specified deleted vault '${name}' does not exist.`);
}

function findAt(world: World, params: Record<string, string>): VaultRecord {
  requireSubscription(world, params.sub as string);
  const vault = findDeletedVault(world, params.vault as string);
  if (!vault || !sameLocation(vault.location, params.location as string))
    throw deletedVaultNotFound(params.vault as string);
  return vault;
}

export function listDeletedVaults(ctx: RouteContext, params: Record<string, string>): RouteResult {
  const world = ctx.store.read();
  requireSubscription(world, params.sub as string);
  const value = Object.values(world.vaults)
    .filter((v) => v.deleted && !v.purged)
    .map((v) => deletedVaultBody(world, v));
  return { status: 200, body: { value } };
}

export function getDeletedVault(ctx: RouteContext, params: Record<string, string>): RouteResult {
  const world = ctx.store.read();
  return { status: 200, body: deletedVaultBody(world, findAt(world, params)) };
}

export function purgeDeletedVault(ctx: RouteContext, params: Record<string, string>): RouteResult {
  return ctx.store.update((world) => {
    const vault = findAt(world, params);
    if (vault.enablePurgeProtection) {
      // Management-plane text published in azure-docs #55427; the status code is not, 409 is our choice.
      throw new ServiceError(409, "Conflict", "Operation 'DeletedVaultPurge' is not allowed.");
    }
    vault.purged = true;
    return { status: 200 };
  });
}

/**
 * GET …/providers/Microsoft.KeyVault/deletedManagedHSMs: the sandbox has no managed HSMs, so none are deleted.
 * `az keyvault list-deleted` asks for both lists (https://learn.microsoft.com/en-us/rest/api/keyvault/managedhsm/managed-hsms/list-deleted).
 */
export function listDeletedManagedHsms(ctx: RouteContext, params: Record<string, string>): RouteResult {
  requireSubscription(ctx.store.read(), params.sub as string);
  return { status: 200, body: { value: [] } };
}
