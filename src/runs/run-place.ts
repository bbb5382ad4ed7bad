// Where a run acts. A run records the place it started in (the cloud, or a sandbox and its state file) and is only ever
// continued there: a sandbox drill resumed without `--sandbox` must never send its changes to real Azure.
import { targetPath } from "../machines/target.js";
import { RunRefused, type RunPlace, type RunTarget } from "./types.js";

/** In words, for messages and `runs show`: "Azure", "the sandbox at /home/me/.acr-cmk/sandbox.json". */
export function describePlace(place: RunPlace): string {
  if (place.kind === "cloud") return "Azure";
  if (place.stateFile) return `the sandbox at ${place.stateFile}`;
  if (place.url) return `the sandbox served at ${place.url}`;
  return "an in-memory sandbox";
}

/**
 * Whether two places are the same. Within the sandbox, a state file or server address known on both sides must
 * match; an in-memory world (tests) names neither and matches any sandbox.
 */
export function samePlace(a: RunPlace, b: RunPlace): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "cloud" || b.kind === "cloud") return true;
  if (a.stateFile && b.stateFile && a.stateFile !== b.stateFile) return false;
  if (a.url && b.url && a.url !== b.url) return false;
  return true;
}

/** Refuses to act on a run recorded in another place than the one this engine is connected to. */
export function assertSamePlace(runId: string, recorded: RunPlace | undefined, connected: RunPlace): void {
  if (!recorded || samePlace(recorded, connected)) return;
  throw new RunRefused(
    `Run ${runId} acts in ${describePlace(recorded)}, but acr-cmk is connected to ${describePlace(connected)}: ` +
      `a run is never moved between the sandbox and Azure. ${continueHint(runId, recorded)}`,
    "wrong-place",
  );
}

/**
 * The command prefix that points acr-cmk at a place: `acr-cmk --sandbox <state file>`, or `acr-cmk` in Azure, with
 * `--subscription <id>` when one is named (commands that act on a registry need it; `runs …` finds a run's own).
 */
export function invocationIn(place: RunPlace, subscriptionId?: string): string {
  if (place.kind === "sandbox") return place.stateFile ? `acr-cmk --sandbox ${place.stateFile}` : "acr-cmk";
  return subscriptionId ? `acr-cmk --subscription ${subscriptionId}` : "acr-cmk";
}

/** How to continue a run where it acts. */
export function continueHint(runId: string, place: RunPlace): string {
  return `Continue it with ${invocationIn(place)} runs resume ${runId}`;
}

/**
 * The port reaches one subscription and the actors name resources by group and name only: a run of another
 * subscription would act on a same-named registry here. Refuse it, saying which subscription the run needs.
 */
export function assertSubscription(connected: string, runId: string, target: RunTarget): void {
  if (target.subscriptionId.toLowerCase() === connected.toLowerCase()) return;
  throw new RunRefused(
    `Run ${runId} is for ${targetPath(target)} in subscription ${target.subscriptionId}, but ` +
      `acr-cmk is connected to subscription ${connected}: use --subscription ${target.subscriptionId}.`,
    "wrong-subscription",
  );
}
