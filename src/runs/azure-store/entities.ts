// How records become Table entities. A string property holds at most 64 KiB (32K UTF-16 characters) and an entity
// 1 MiB, so a run's JSON (its XState snapshot can be large) is cut into numbered properties.
// https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model
import { UsageError } from "../../errors.js";
import type { Entity } from "../../azure/storage/client.js";

/** The layout this acr-cmk writes; a store holding a newer one is refused, never rewritten. */
export const STORE_SCHEMA = 2;

const CHUNK = 30_000;
const MAX_CHUNKS = 30;

export function chunked(prefix: string, text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const count = Math.max(1, Math.ceil(text.length / CHUNK));
  if (count > MAX_CHUNKS) throw new Error(`a stored ${prefix} of ${text.length} characters is over the entity limit`);
  for (let i = 0; i < count; i++) out[`${prefix}${i}`] = text.slice(i * CHUNK, (i + 1) * CHUNK);
  return out;
}

export function unchunked(prefix: string, entity: Entity): string {
  let text = "";
  for (let i = 0; typeof entity[`${prefix}${i}`] === "string"; i++) text += entity[`${prefix}${i}`] as string;
  return text;
}

/** OData string literal: a single quote is doubled. */
export function quoted(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function assertSchema(storeName: string, entity: Entity | { schema?: unknown }): void {
  const schema = typeof entity.schema === "number" ? entity.schema : Number(entity.schema ?? STORE_SCHEMA);
  if (schema > STORE_SCHEMA) {
    throw new UsageError(
      `the shared store ${storeName} holds runs of store schema version ${schema}; this acr-cmk reads up to version ` +
        `${STORE_SCHEMA} and leaves them untouched. Upgrade acr-cmk to work with this store.`,
    );
  }
}
