// Fingerprints bind an approval to the Azure state it was computed from. Pure JS (machines may not import node:),
// stable across processes: FNV-1a (two 32-bit lanes with different offsets) over JSON with sorted keys.

/** JSON with object keys sorted, so the same state always gives the same text. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((item) => stableJson(item)).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
}

function fnv1a(text: string, offset: number): number {
  let hash = offset >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

function fnv1aBytes(bytes: Uint8Array, offset: number): number {
  let hash = offset >>> 0;
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

const hex = (n: number): string => n.toString(16).padStart(8, "0");

/** 16 hex characters naming the state `value` describes. */
export function fingerprint(value: unknown): string {
  const text = stableJson(value);
  return hex(fnv1a(text, 0x811c9dc5)) + hex(fnv1a(text, 0x050c5d1f));
}

/** A short digest of binary data (a key backup blob), so logs can name it without holding it. */
export function digestBytes(bytes: Uint8Array): string {
  return hex(fnv1aBytes(bytes, 0x811c9dc5)) + hex(fnv1aBytes(bytes, 0x050c5d1f));
}
