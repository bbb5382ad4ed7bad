// How long acr-cmk looks again for a key that is in neither Key Vault list, in sandbox mode. Against Azure the
// defaults of the probe and the runbook apply (a deletion finishes within seconds there). The sandbox says how long its
// deletions take (settings.keyDeletionMs, or a drill's `sandbox break key-deleted --in-progress <duration>`), so the
// look covers exactly that, never calling a key purged while its deletion is still in progress.
import type { MissingKeyLook } from "../diagnosis/missing-key-look.js";
import { UsageError } from "../errors.js";
import type { CliContext } from "./context.js";
import type { World } from "../sandbox/index.js";

const MIN_LOOK_MS = 3_000;
/** `sandbox break key-deleted --in-progress` takes at most 60 s: the look always outlasts it. */
const MAX_LOOK_MS = 65_000;
const MARGIN_MS = 1_000;

/** What diagnoses and runs need in sandbox mode: the sandbox's clock (moved by `sandbox advance`) and the look. */
export interface SandboxTiming {
  now: () => Date;
  missingKeyLook: MissingKeyLook;
}

/**
 * Sandbox mode's timing, for every driver alike. The clock is live (a long-lived Slack app or TUI sees `sandbox
 * advance` from another shell); the look is computed from the world as it is now. A missing or corrupt state file is
 * the user's to fix: bad input.
 */
export async function sandboxTiming(stateFile: string): Promise<SandboxTiming> {
  const { fileStore, keyDeletionMs, liveWorldClock, worldNow } = await import("../sandbox/index.js");
  let world;
  try {
    world = fileStore(stateFile).read();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  return {
    now: liveWorldClock(stateFile),
    missingKeyLook: missingKeyLookFor(world, worldNow(world).getTime(), keyDeletionMs(world)),
  };
}

/** The look for `world` at `now`: its deletion time, or the longest deletion still in progress. */
function missingKeyLookFor(world: World, now: number, deletionMs: number): MissingKeyLook {
  let longest = deletionMs;
  for (const vault of Object.values(world.vaults)) {
    for (const key of Object.values(vault.keys)) {
      const completesAt = key.deleted?.completesAt;
      if (completesAt) longest = Math.max(longest, Date.parse(completesAt) - now);
    }
  }
  const forMs = Math.min(MAX_LOOK_MS, Math.max(MIN_LOOK_MS, longest + MARGIN_MS));
  return { everyMs: Math.min(1_000, Math.max(200, Math.round(forMs / 15))), forMs };
}

/** At most ten minutes: a look longer than that is a stuck command, not patience. */
const MAX_CLOUD_LOOK_MS = 600_000;

/**
 * The timing a diagnosis or run gets: sandbox mode's, or against Azure the defaults unless ACR_CMK_MISSING_KEY_LOOK_MS
 * says how long to look again for a key in neither Key Vault list (Key Vault's default soft-delete replication is
 * seconds; 30 s is the default look).
 */
export async function commandTiming(ctx: Pick<CliContext, "globals" | "env">): Promise<Partial<SandboxTiming>> {
  if (ctx.globals.sandbox) return sandboxTiming(ctx.globals.sandbox);
  const raw = ctx.env.ACR_CMK_MISSING_KEY_LOOK_MS;
  if (raw === undefined || raw === "") return {};
  const forMs = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isInteger(forMs) || forMs > MAX_CLOUD_LOOK_MS) {
    throw new UsageError(
      `ACR_CMK_MISSING_KEY_LOOK_MS must be a whole number of milliseconds up to ${MAX_CLOUD_LOOK_MS} (got '${raw}')`,
    );
  }
  return { missingKeyLook: { everyMs: Math.min(2_000, Math.max(100, Math.round(forMs / 15))), forMs } };
}
