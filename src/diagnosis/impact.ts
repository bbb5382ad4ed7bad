// What a diagnosis means for the registry's users right now, in the words `sandbox status` uses for the same state
// (healthy, degraded, UNHEALTHY), so the two never tell an engineer different stories about one registry.
import type { Finding } from "./types.js";

export type ImpactState = "unhealthy" | "degraded" | "unknown";

export interface Impact {
  state: ImpactState;
  /** One sentence, short enough for an 80-column Impact line: whether pulls and pushes fail now. */
  summary: string;
}

/** The word printed for each state; `sandbox status` prints the same ones in its HEALTH column. */
export const IMPACT_WORD: Readonly<Record<ImpactState, string>> = {
  unhealthy: "UNHEALTHY",
  degraded: "degraded",
  unknown: "unknown",
};

/** Null when nothing critical was found: warnings do not stop pulls. */
export function impactOf(findings: readonly Finding[]): Impact | null {
  if (!findings.some((f) => f.severity === "critical")) return null;
  const ids = new Set(findings.map((f) => f.id));
  if (ids.has("REGISTRY_DATA_UNREADABLE")) {
    return { state: "unhealthy", summary: "the registry cannot read its content: pulls and pushes fail." };
  }
  if (ids.has("REGISTRY_DATA_UNCHECKED")) {
    return { state: "unknown", summary: "the registry's data plane could not be asked." };
  }
  return { state: "degraded", summary: "content still reads for now; fix this before it stops." };
}

/** The Impact line of the plain report and the TUI. */
export function impactLine(impact: Impact): string {
  return `Impact: ${IMPACT_WORD[impact.state]} — ${impact.summary}`;
}
