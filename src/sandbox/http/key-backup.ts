// Key backup and restore: an opaque blob of the key's versions (public data only: the sandbox holds no private key
// material), restorable into a free name of the same vault.
import { z } from "zod";
import type { KeyRecord, KeyVersionRecord, VaultRecord } from "../world.js";
import { readJson, type RouteContext, type RouteResult } from "./context.js";
import { currentVersion, keyBundle } from "./key-bodies.js";
import { badParameter, liveKey, refuseDeletedName } from "./key-state.js";
import { liveVaultOrNetworkError } from "./keyvault-gate.js";
import { ServiceError } from "./problems.js";

const restoreSchema = z.object({ value: z.string().min(1) }).loose();

const backupSchema = z.object({
  format: z.literal("acr-cmk-sandbox-key-backup/1"),
  vault: z.string(),
  key: z.object({
    name: z.string(),
    versions: z
      .array(
        z
          .object({
            version: z.string(),
            kty: z.enum(["RSA", "RSA-HSM", "EC", "EC-HSM"]),
            keyOps: z.array(z.string()),
            enabled: z.boolean(),
            created: z.string(),
            updated: z.string(),
          })
          .loose(),
      )
      .min(1),
  }),
});

function base64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}

/** An opaque blob with the key's versions: public data only, the sandbox holds no private material. */
export function backup(vault: VaultRecord, name: string): RouteResult {
  const key = liveKey(vault, name);
  const blob = {
    format: "acr-cmk-sandbox-key-backup/1",
    vault: vault.name,
    key: { name: key.name, versions: key.versions },
  };
  return { status: 200, body: { value: base64url(JSON.stringify(blob)) } };
}

export function restore(ctx: RouteContext, vaultName: string): RouteResult {
  const { value } = readJson(ctx, restoreSchema, "keyvault");
  let parsed: z.infer<typeof backupSchema>;
  try {
    parsed = backupSchema.parse(JSON.parse(Buffer.from(value, "base64url").toString("utf8")));
  } catch {
    throw badParameter("The backup blob is corrupt or was not made by Key Vault's backup operation.");
  }
  return ctx.store.update((world, now) => {
    const vault = liveVaultOrNetworkError(world, vaultName);
    const name = parsed.key.name;
    const existing = vault.keys[name.toLowerCase()];
    refuseDeletedName(existing, name, now);
    if (existing && !existing.purged && existing.versions.length > 0) {
      // Key Vault refuses to restore over an existing key; its exact text is not published, this one is ours.
      throw new ServiceError(409, "Conflict", `Key ${name} already exists in this vault: restore needs a free name.`);
    }
    const key: KeyRecord = { name, versions: parsed.key.versions as KeyVersionRecord[] };
    vault.keys[name.toLowerCase()] = key;
    return { status: 200, body: keyBundle(vault, key, currentVersion(key) as KeyVersionRecord) };
  });
}
