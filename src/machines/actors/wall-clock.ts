// The wall clock: the time a run and its actors follow when their host hands them no other (the engine its own, the
// sandbox its simulated one, a test a fixed one). Reading it is an effect, so it lives with the actors, and the
// machines only ever receive it (RunClock, RunbookActorOptions.now).
import type { RunClock } from "../protocol.js";

export const wallClock: RunClock = { now: () => new Date() };
