// The draft an update of a file-backed world works on. The world a process keeps is frozen and shared; copying all of
// it for every request (each one counts itself, so each one writes) was the largest cost of a fleet's world. A draft
// copies each top-level part (registries, vaults, counters, …) only when the update first reads or writes it, and
// what the update never touched stays shared with the kept world.
import type { World } from "./world.js";

type Parts = Record<string, unknown>;

/** A draft of `base`: reading a top-level part gives a private deep copy of it, made on first use. */
export function draftOf(base: World): World {
  const parts = base as unknown as Parts;
  const draft: Parts = {};
  const own = (key: string, value: unknown): void => {
    Object.defineProperty(draft, key, { value, writable: true, enumerable: true, configurable: true });
  };
  for (const key of Object.keys(parts)) {
    Object.defineProperty(draft, key, {
      enumerable: true,
      configurable: true,
      get() {
        const value = structuredClone(parts[key]);
        own(key, value);
        return value;
      },
      set(value: unknown) {
        own(key, value);
      },
    });
  }
  return draft as unknown as World;
}

/** The world a draft leaves: the parts the update copied or set, the rest (untouched) shared with `base`. */
export function settled(draft: World, base: World): World {
  const parts = base as unknown as Parts;
  const out: Parts = {};
  for (const key of Object.keys(draft)) {
    const descriptor = Object.getOwnPropertyDescriptor(draft, key)!;
    out[key] = "value" in descriptor ? descriptor.value : parts[key];
  }
  return out as unknown as World;
}
