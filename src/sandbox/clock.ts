// The sandbox clock: real time moved forward by `sandbox advance`. Everything that ages (key expiry, identity
// grace, soft-delete retention, rotation pickup) reads this clock, never Date.now() directly.
import type { World } from "./world.js";
import { applyAutoRotation } from "./health.js";

export function worldNow(world: World, real: Date = new Date()): Date {
  return new Date(real.getTime() + world.clock.offsetMs);
}

/**
 * Azure's own retention purge: soft-deleted vaults and keys past their scheduledPurgeDate are gone for good.
 * This is the service acting, never acr-cmk (which only ever recovers).
 */
export function applyRetentionExpiry(world: World, now: Date, apply = true): boolean {
  let changed = false;
  for (const vault of Object.values(world.vaults)) {
    if (vault.deleted && !vault.purged && Date.parse(vault.deleted.scheduledPurgeDate) <= now.getTime()) {
      if (!apply) return true;
      vault.purged = true;
      changed = true;
    }
    for (const key of Object.values(vault.keys)) {
      if (key.deleted && !key.purged && Date.parse(key.deleted.scheduledPurgeDate) <= now.getTime()) {
        if (!apply) return true;
        key.purged = true;
        changed = true;
      }
    }
  }
  return changed;
}

/** Everything that happens in Azure by the passing of time, applied at the world's current time. */
export function applyTimeEffects(world: World, now: Date): void {
  applyRetentionExpiry(world, now);
  applyAutoRotation(world, now);
}

/** Whether time has anything to change in `world` at `now` (changes nothing): most updates find nothing due. */
export function timeEffectsDue(world: World, now: Date): boolean {
  return applyRetentionExpiry(world, now, false) || applyAutoRotation(world, now, false);
}

/** `sandbox advance`: move the clock forward, then let time do its work. */
export function advanceClock(world: World, ms: number, real: Date = new Date()): Date {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`the sandbox clock only moves forward (got ${ms} ms)`);
  world.clock.offsetMs += ms;
  const now = worldNow(world, real);
  applyTimeEffects(world, now);
  return now;
}
