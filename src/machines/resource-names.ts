// How approvals and refusals name the resources a change reaches: "registry a, container group b and 3 more".

/** At most this many are named; the rest are counted. */
const SHOWN = 10;

export function describeResources(ids: readonly string[]): string {
  const names = ids.slice(0, SHOWN).map((id) => {
    const kind = /containerGroups/i.test(id) ? "container group" : "registry";
    return `${kind} ${id.split("/").pop() ?? id}`;
  });
  return names.join(", ") + (ids.length > SHOWN ? ` and ${ids.length - SHOWN} more` : "");
}
