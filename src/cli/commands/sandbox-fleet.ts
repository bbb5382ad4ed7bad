// The fleet side of `sandbox init` and `sandbox break`: the options that spread registries and container groups over
// subscriptions sharing keys, a summary instead of one paragraph per registry, and `break --key <vault>/<key>`.
import type { z } from "zod";
import { UsageError } from "../errors.js";
import {
  allSubscriptions,
  containerGroupKeyId,
  containerGroups,
  parseKeyId,
  resolveRegistryKey,
  type IncidentName,
  type ScenarioPlan,
  type World,
} from "../../sandbox/index.js";

type WholeNumber = (option: string, min: number, max: number) => z.ZodType<number, string>;

export function fleetInitOptions(wholeNumber: WholeNumber) {
  return {
    subscriptions: wholeNumber("--subscriptions", 1, 20).optional(),
    containerGroups: wholeNumber("--container-groups", 0, 2000).optional(),
    keys: wholeNumber("--keys", 1, 200).optional(),
    latencyMs: wholeNumber("--latency", 0, 60_000).optional(),
  };
}

/** Users of each `<vault>/<key>` in the world: registries by their key in use, container groups by theirs. */
export function keyUsers(world: World): Map<string, string[]> {
  const users = new Map<string, string[]>();
  const add = (vault: string | undefined, key: string | undefined, id: string) => {
    if (!vault || !key) return;
    const name = `${vault}/${key}`.toLowerCase();
    users.set(name, [...(users.get(name) ?? []), id]);
  };
  for (const registry of Object.values(world.registries)) {
    const { vaultName, keyName } = resolveRegistryKey(world, registry);
    add(vaultName, keyName, registry.id);
  }
  for (const group of containerGroups(world)) {
    const parsed = parseKeyId(containerGroupKeyId(group));
    add(parsed?.vault, parsed?.key, group.id);
  }
  return users;
}

export function fleetInitLines(world: World, path: string, plan: ScenarioPlan, replaced: boolean): string[] {
  const subscriptions = allSubscriptions(world);
  const users = keyUsers(world);
  const first = [...users.keys()][0] ?? "kv/key";
  const firstRegistry = Object.values(world.registries)[0];
  return [
    `Sandbox ready: a fleet of ${plan.registries} registries and ${containerGroups(world).length} container groups ` +
      `over ${subscriptions.length} subscription(s), sharing ${users.size} key(s); every request takes ${world.settings.latencyMs} ms.`,
    `State file: ${path}${replaced ? " (the previous sandbox there was replaced)" : ""}`,
    `Tenant ${world.tenantId}; subscriptions ${subscriptions.map((s) => s.subscriptionId).join(", ")}`,
    "",
    ...[...users.entries()].slice(0, 10).map(([key, ids]) => `key ${key}: ${ids.length} users`),
    ...(users.size > 10 ? [`… and ${users.size - 10} more keys`] : []),
    "",
    "Next:",
    "  acr-cmk --sandbox scan --all-subscriptions",
    `  acr-cmk sandbox break key-disabled --key ${first}`,
    ...(firstRegistry
      ? [`  acr-cmk --sandbox diagnose -g ${firstRegistry.resourceGroup} -r ${firstRegistry.name}`]
      : []),
    "",
  ];
}

const PER_REGISTRY: ReadonlySet<IncidentName> = new Set(["identity-removed", "system-identity-removed"]);

/**
 * The registry whose setup `break --key` breaks: any user of the key will do, since the incident changes the key, its
 * vault or the identity every user of the key shares. Identity removals are one registry's, so --key refuses them.
 */
export function registryForKey(world: World, key: string, incident: IncidentName): string {
  if (PER_REGISTRY.has(incident)) throw new UsageError(`${incident} breaks one registry: use -r <registry>, not --key`);
  const wanted = key.toLowerCase();
  const registry = Object.values(world.registries).find((r) => {
    const { vaultName, keyName } = resolveRegistryKey(world, r);
    return `${vaultName}/${keyName}`.toLowerCase() === wanted;
  });
  if (!registry) {
    const known = [...keyUsers(world).keys()].slice(0, 10).join(", ");
    throw new UsageError(`no registry uses key '${key}'; keys in the sandbox: ${known || "none"}`);
  }
  return registry.name;
}
