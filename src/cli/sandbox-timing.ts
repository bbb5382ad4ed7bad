// How long acr-cmk looks again for a key that is in neither Key Vault list, in sandbox mode. Against Azure the
// defaults of the probe and the runbook apply (a deletion finishes within seconds there). The sandbox says how long its
// deletions take (settings.keyDeletionMs, or a drill's `sandbox break key-deleted --in-progress <duration>`), so the
// look covers exactly that, never calling a key purged while its deletion is still in progress.

const MIN_LOOK_MS = 3_000;
/** `sandbox break key-deleted --in-progress` takes at most 60 s: the look always outlasts it. */
const MAX_LOOK_MS = 65_000;
const MARGIN_MS = 1_000;

export interface MissingKeyLook {
  everyMs: number;
  forMs: number;
}

/** The look for the world in `stateFile`, read now: its deletion time, or the longest deletion still in progress. */
export async function sandboxMissingKeyLook(stateFile: string): Promise<MissingKeyLook> {
  const { fileStore, keyDeletionMs, worldNow } = await import("../sandbox/index.js");
  const world = fileStore(stateFile).read();
  const now = worldNow(world).getTime();
  let longest = keyDeletionMs(world);
  for (const vault of Object.values(world.vaults)) {
    for (const key of Object.values(vault.keys)) {
      const completesAt = key.deleted?.completesAt;
      if (completesAt) longest = Math.max(longest, Date.parse(completesAt) - now);
    }
  }
  const forMs = Math.min(MAX_LOOK_MS, Math.max(MIN_LOOK_MS, longest + MARGIN_MS));
  return { everyMs: Math.min(1_000, Math.max(200, Math.round(forMs / 15))), forMs };
}
