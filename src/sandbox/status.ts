// `sandbox status`: the ground truth per registry (can it read its key right now?) and the vaults' state.
import { registryKeyAccess } from "./health.js";
import { vaultUri } from "./ids.js";
import type { World } from "./world.js";

export interface RegistryStatus {
  id: string;
  name: string;
  resourceGroup: string;
  /** The registry can unwrap its key right now (its data is readable). */
  healthy: boolean;
  /** Why not; or, for a healthy registry, what already fails (rotation) and will bite later. Null when all is well. */
  reason: string | null;
}

export interface VaultStatus {
  id: string;
  name: string;
  vaultUri: string;
  deleted: boolean;
}

export interface SandboxStatus {
  subscriptionId: string;
  registries: RegistryStatus[];
  vaults: VaultStatus[];
}

export function sandboxStatus(world: World, now: Date): SandboxStatus {
  const registries = Object.values(world.registries).map((registry) => {
    const read = registryKeyAccess(world, registry, now, "unwrap");
    let reason = read.reason;
    if (read.ok && registry.encryption.status === "enabled") {
      // Healthy now, but an expired key or a removed identity already breaks rotation: say so.
      reason = registryKeyAccess(world, registry, now, "wrap").reason;
    }
    return { id: registry.id, name: registry.name, resourceGroup: registry.resourceGroup, healthy: read.ok, reason };
  });
  const vaults = Object.values(world.vaults)
    .filter((vault) => !vault.purged)
    .map((vault) => ({
      id: vault.id,
      name: vault.name,
      vaultUri: vaultUri(vault.name),
      deleted: vault.deleted !== undefined,
    }));
  return { subscriptionId: world.subscriptionId, registries, vaults };
}

/**
 * One word per registry, the same `diagnose` prints on its Impact line for the same state: UNHEALTHY (cannot read its
 * key), degraded (reads, but rotation or new writes already fail), healthy.
 */
export function healthWord(registry: Pick<RegistryStatus, "healthy" | "reason">): "healthy" | "degraded" | "UNHEALTHY" {
  if (!registry.healthy) return "UNHEALTHY";
  return registry.reason ? "degraded" : "healthy";
}

/** Every registry healthy with nothing failing yet: `diagnose` would find nothing critical either (exit 0). */
export function allHealthy(status: SandboxStatus): boolean {
  return status.registries.every((r) => healthWord(r) === "healthy");
}

/** A short table an engineer can read at 3 a.m. */
export function formatStatus(status: SandboxStatus): string {
  const lines = [`subscription ${status.subscriptionId}`, ""];
  const width = Math.max(8, ...status.registries.map((r) => r.name.length));
  lines.push(`${"REGISTRY".padEnd(width)}  ${"GROUP".padEnd(16)}  HEALTH     REASON`);
  for (const r of status.registries) {
    const health = healthWord(r);
    lines.push(`${r.name.padEnd(width)}  ${r.resourceGroup.padEnd(16)}  ${health.padEnd(9)}  ${r.reason ?? "-"}`);
  }
  lines.push("");
  const vaultWidth = Math.max(5, ...status.vaults.map((v) => v.name.length));
  lines.push(`${"VAULT".padEnd(vaultWidth)}  STATE`);
  for (const v of status.vaults) lines.push(`${v.name.padEnd(vaultWidth)}  ${v.deleted ? "soft-deleted" : "active"}`);
  return lines.join("\n") + "\n";
}
