// Small readers over a sandbox world for the tests: the first registry and what its key resolves to.
import { resolveRegistryKey, type RegistryRecord, type World } from "../../src/sandbox/index.js";

export function firstRegistry(world: World): RegistryRecord {
  const registry = Object.values(world.registries)[0];
  if (!registry) throw new Error("world has no registry");
  return registry;
}

export function registryKey(world: World, registry = firstRegistry(world)) {
  const resolved = resolveRegistryKey(world, registry);
  if (!resolved.vault || !resolved.key || !resolved.version) throw new Error("registry key does not resolve");
  return { vault: resolved.vault, key: resolved.key, version: resolved.version };
}
