// The home screen's list: every registry of the subscription and, as the fleet scan finds them, its container groups,
// each with its health once known, worst first; then the key view ("kv-x/key-y: 12 registries, 3 container groups,
// 1 unhealthy").
import { Text } from "ink";
import { SelectList, type SelectItem } from "../components/SelectList.js";
import { targetLabel } from "../format.js";
import { healthKey, type FleetHealthView } from "../hooks/use-fleet-health.js";
import { useSession } from "../session.js";
import type { ContainerGroupHealth, GroupChoice, RegistryChoice, RegistryTarget } from "../types.js";

/** Unhealthy first, then not yet known, then healthy. */
const RANK = { unhealthy: 0, unknown: 1, healthy: 2 } as const;

function verdict(h: { healthy: boolean; finding?: string } | undefined): string | undefined {
  return h ? (h.healthy ? "✔ healthy" : `✖ ${h.finding ?? "unhealthy"}`) : undefined;
}

/** A container group's line: its verdict, and what fixes it (the runbook that repairs its key, or a redeploy). */
function groupItem(g: ContainerGroupHealth): SelectItem {
  const fix = g.healthy ? undefined : (g.runbook ?? "redeploy");
  return {
    key: `aci:${g.id}`,
    label: targetLabel(g),
    hint: ["ACI group", verdict(g), fix].filter(Boolean).join(" · "),
  };
}

export interface ResourceChooserProps {
  registries: readonly RegistryChoice[];
  fleet: FleetHealthView;
  /** Rows for everything here. */
  maxRows: number;
  onRegistry: (target: RegistryTarget) => void;
  onGroup: (group: GroupChoice) => void;
}

export function ResourceChooser({ registries, fleet, maxRows, onRegistry, onGroup }: ResourceChooserProps) {
  const session = useSession();
  const ranked = [
    ...registries.map((r) => {
      const h = fleet.health.get(healthKey(r));
      const item = {
        key: `acr:${r.resourceGroup}/${r.registry}`,
        label: targetLabel(r),
        hint: [verdict(h), r.sku, r.location].filter(Boolean).join(" · "),
      };
      return { rank: RANK[h ? (h.healthy ? "healthy" : "unhealthy") : "unknown"], item };
    }),
    ...fleet.groups.map((g) => ({ rank: RANK[g.healthy ? "healthy" : "unhealthy"], item: groupItem(g) })),
  ];
  // A stable sort: within a rank, the list keeps its own order.
  const items = ranked.sort((a, b) => a.rank - b.rank).map((r) => r.item);
  if (items.length === 0) {
    return (
      <Text wrap="wrap">
        No container registries in {session.chosenSubscription?.choice.displayName ?? "subscription"}{" "}
        {session.subscriptionId}.
      </Text>
    );
  }
  const what = fleet.groups.length ? "registry or container group" : "registry";
  const keys = fleet.keys.slice(0, 5);
  const scanning = fleet.state === "scanning";
  return (
    <>
      {scanning ? (
        <Text dimColor>
          Checking every {what}'s key ({fleet.health.size + fleet.groups.length} of {items.length} known)…
        </Text>
      ) : null}
      {keys.map((line) => (
        <Text key={line} dimColor>
          key {line}
        </Text>
      ))}
      <Text>Which {what}? (↑↓ / j k, Enter)</Text>
      <SelectList
        items={items}
        maxRows={Math.max(3, maxRows - (scanning ? 1 : 0) - keys.length)}
        onChoose={(item) => {
          const g = fleet.groups.find((c) => `aci:${c.id}` === item.key);
          if (g) return onGroup({ resourceGroup: g.resourceGroup, containerGroup: g.containerGroup, id: g.id });
          const r = registries.find((c) => `acr:${c.resourceGroup}/${c.registry}` === item.key);
          if (r) onRegistry({ resourceGroup: r.resourceGroup, registry: r.registry });
        }}
      />
    </>
  );
}
