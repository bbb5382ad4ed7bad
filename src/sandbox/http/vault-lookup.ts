// Finding vaults by name: names are global, a soft-deleted or purged vault is not "live".
import type { VaultRecord, World } from "../world.js";
import { sameText } from "./arm-scope.js";

/** The record under this name, whatever its state (purged records only linger until the name is reused). */
export function vaultRecord(world: World, name: string): VaultRecord | undefined {
  return world.vaults[name.toLowerCase()];
}

/** A vault that exists right now, optionally required to be in `resourceGroup`. */
export function findLiveVault(world: World, resourceGroup: string | undefined, name: string): VaultRecord | undefined {
  const vault = vaultRecord(world, name);
  if (!vault || vault.deleted || vault.purged) return undefined;
  if (resourceGroup !== undefined && !sameText(vault.resourceGroup, resourceGroup)) return undefined;
  return vault;
}

/** A soft-deleted vault that can still be recovered. */
export function findDeletedVault(world: World, name: string): VaultRecord | undefined {
  const vault = vaultRecord(world, name);
  return vault?.deleted && !vault.purged ? vault : undefined;
}
