// The state file's bytes, built part by part: the world as `JSON.stringify(world, null, 2)` writes it, but a top-level
// part shared with the world written before (one the update did not touch: a fleet's registries while a request only
// counts itself) reuses the bytes it was written as, instead of serialising and encoding a fleet again per request.
import type { World } from "./world.js";

/** The bytes of frozen parts: a frozen part never changes, so its bytes hold as long as it lives. */
const partBytes = new WeakMap<object, Buffer>();

function bytesOf(value: unknown): Buffer {
  const kept = typeof value === "object" && value !== null && Object.isFrozen(value);
  if (kept) {
    const known = partBytes.get(value);
    if (known) return known;
  }
  // Nested one level deeper than on its own: every line after the first is indented by two more spaces (a string's
  // own newlines are escaped by JSON, so every newline here is between values).
  const bytes = Buffer.from(JSON.stringify(value, null, 2).replace(/\n/g, "\n  "));
  if (kept) partBytes.set(value, bytes);
  return bytes;
}

/** The file's content as buffers to write in order; the same bytes as `JSON.stringify(world, null, 2) + "\n"`. */
export function worldBytes(world: World): Buffer[] {
  const parts = Object.entries(world).filter(([, value]) => value !== undefined);
  const out: Buffer[] = [Buffer.from(parts.length > 0 ? "{\n" : "{}\n")];
  parts.forEach(([key, value], i) => {
    out.push(
      Buffer.from(`  ${JSON.stringify(key)}: `),
      bytesOf(value),
      Buffer.from(i < parts.length - 1 ? ",\n" : "\n"),
    );
  });
  if (parts.length > 0) out.push(Buffer.from("}\n"));
  return out;
}
