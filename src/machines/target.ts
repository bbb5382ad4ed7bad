// A run's target, named the same way everywhere: a registry (-g/-r) or an ACI container group (--id).
import type { ContainerGroupTarget, RegistryTarget, RunTarget } from "./meta.js";

export type { ContainerGroupTarget, RegistryTarget, RunTarget };

export function isContainerGroupTarget(target: RunTarget): target is ContainerGroupTarget {
  return typeof target.containerGroup === "string";
}

/** The resource's own name: the registry's, or the container group's. */
export function targetName(target: RunTarget): string {
  return isContainerGroupTarget(target) ? target.containerGroup : target.registry;
}

/** "registry" or "container group", for sentences. */
export function targetKind(target: RunTarget): "registry" | "container group" {
  return isContainerGroupTarget(target) ? "container group" : "registry";
}

/** "the registry" or "the container group", for sentences about the run's own resource. */
export function theTarget(target: RunTarget): string {
  return `the ${targetKind(target)}`;
}

/** `registry rg/name` or `container group rg/name`. */
export function targetLabel(target: RunTarget): string {
  return `${targetKind(target)} ${target.resourceGroup}/${targetName(target)}`;
}

export function targetResourceId(target: RunTarget): string {
  const base = `/subscriptions/${target.subscriptionId}/resourceGroups/${target.resourceGroup}/providers`;
  return isContainerGroupTarget(target)
    ? `${base}/Microsoft.ContainerInstance/containerGroups/${target.containerGroup}`
    : `${base}/Microsoft.ContainerRegistry/registries/${target.registry}`;
}

/** How a command names the target: `-g <rg> -r <registry>`, or `--id <container group id>`. */
export function targetArgs(target: RunTarget): string {
  return isContainerGroupTarget(target)
    ? `--id ${targetResourceId(target)}`
    : `-g ${target.resourceGroup} -r ${target.registry}`;
}

/** `rg/name`, as run lists and headings show a target. */
export function targetPath(target: RunTarget): string {
  return `${target.resourceGroup}/${targetName(target)}`;
}
