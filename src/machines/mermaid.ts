// A Mermaid state diagram read from the machine itself (state nodes and their transitions), so the picture in the
// docs cannot drift from what runs. ABORT (every state → aborted), errors (every busy step → failed) and RETRY
// (failed → the step that failed) are drawn once as notes rather than as dozens of edges.
import type { AnyStateMachine } from "xstate";

interface NodeLike {
  key: string;
  type: string;
  meta?: { title?: string };
  transitions: Map<string, Array<{ target?: ReadonlyArray<{ key: string }>; description?: string }>>;
}

const mermaidId = (id: string) => id.replace(/[^A-Za-z0-9]/g, "_");
const label = (text: string) => text.replace(/"/g, "'").replace(/:/g, " -");

function eventLabel(eventType: string, description: string | undefined): string | null {
  if (eventType === "ABORT" || eventType === "RETRY") return null;
  if (eventType.startsWith("xstate.error.actor."))
    return description === "stale approval" || description === "refused by Azure" ? description : null;
  if (eventType.startsWith("xstate.done.actor."))
    return description === "unexpected outcome" ? null : (description ?? "done");
  if (eventType === "INPUT") return description ? `INPUT ${description}` : "INPUT";
  return eventType;
}

export function toMermaid(machine: AnyStateMachine): string {
  const root = machine.root as unknown as {
    states: Record<string, NodeLike>;
    initial?: { target: ReadonlyArray<{ key: string }> };
  };
  const lines = ["stateDiagram-v2"];
  const nodes = Object.values(root.states);
  for (const node of nodes) lines.push(`  state "${label(node.meta?.title ?? node.key)}" as ${mermaidId(node.key)}`);
  const initial = root.initial?.target[0]?.key;
  if (initial) lines.push(`  [*] --> ${mermaidId(initial)}`);
  for (const node of nodes) {
    const seen = new Set<string>();
    for (const [eventType, transitions] of node.transitions) {
      for (const t of transitions) {
        const text = eventLabel(eventType, t.description);
        const target = t.target?.[0]?.key;
        if (!text || !target) continue;
        const edge = `  ${mermaidId(node.key)} --> ${mermaidId(target)}: ${label(text)}`;
        if (!seen.has(edge)) lines.push(edge);
        seen.add(edge);
      }
    }
    if (node.type === "final") lines.push(`  ${mermaidId(node.key)} --> [*]`);
  }
  if (root.states.failed) {
    lines.push("  note right of failed");
    lines.push("    Any Azure error or failed verification stops here.");
    lines.push("    RETRY repeats the step that failed; ABORT ends the run.");
    lines.push("  end note");
  }
  return lines.join("\n");
}
