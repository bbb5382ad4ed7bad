// The health of every registry and container group on the home screen, before the person chooses: the connection's
// fleet scan reports each verdict as it is known (one Resource Graph query, one check per key path), and the list
// re-sorts worst first. Container groups are known only through the scan: they appear as their verdicts arrive.
import { useEffect, useState } from "react";
import { useSession } from "../session.js";
import { isGroupHealth, type ContainerGroupHealth, type RegistryHealth } from "../types.js";

export interface FleetHealthView {
  /** By `<resource group>/<registry>`, lower-cased. */
  health: ReadonlyMap<string, RegistryHealth>;
  /** Every container group found so far, in the order found. */
  groups: readonly ContainerGroupHealth[];
  /** "kv-x/key-y: 12 registries, 3 container groups, 1 unhealthy", once the scan is done. */
  keys: string[];
  state: "off" | "scanning" | "done" | "failed";
}

export function healthKey(target: { resourceGroup: string; registry: string }): string {
  return `${target.resourceGroup}/${target.registry}`.toLowerCase();
}

export function useFleetHealth(active: boolean): FleetHealthView {
  const session = useSession();
  const [view, setView] = useState<FleetHealthView>({ health: new Map(), groups: [], keys: [], state: "off" });
  useEffect(() => {
    const scan = session.scanHealth;
    if (!active || !scan) return;
    let live = true;
    const found = new Map<string, RegistryHealth>();
    const groups = new Map<string, ContainerGroupHealth>();
    // Verdicts arrive in bursts (a key path's users together): one render per tick, not one per registry.
    let pending: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      pending = undefined;
      if (live) setView((v) => ({ ...v, health: new Map(found), groups: [...groups.values()] }));
    };
    setView({ health: new Map(), groups: [], keys: [], state: "scanning" });
    scan((result) => {
      if (isGroupHealth(result)) groups.set(result.id.toLowerCase(), result);
      else found.set(healthKey(result), result);
      pending ??= setTimeout(flush, 50);
    }).then(
      ({ keys }) => live && setView({ health: new Map(found), groups: [...groups.values()], keys, state: "done" }),
      () => live && setView((v) => ({ ...v, state: "failed" })),
    );
    return () => {
      live = false;
      if (pending) clearTimeout(pending);
    };
  }, [active, session]);
  return view;
}
