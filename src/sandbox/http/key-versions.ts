// Making and changing key versions: create and rotate (a new version with fresh public key material; private halves
// are discarded at once) and update (enable/disable, dates, operations, tags).
import { generateKeyPair, type JsonWebKey } from "node:crypto";
import { promisify } from "node:util";
import { z } from "zod";
import { newKeyVersion } from "../ids.js";
import type { KeyVersionRecord, VaultRecord, World } from "../world.js";
import type { RouteResult } from "./context.js";
import { isoFromSeconds, keyBundle } from "./key-bodies.js";
import { badParameter, refuseDeletedName } from "./key-state.js";
import { liveVaultOrNetworkError } from "./keyvault-gate.js";

const generateKeyPairAsync = promisify(generateKeyPair);
const RSA_SIZES = [2048, 3072, 4096];
const EC_CURVES: Record<string, string> = {
  "P-256": "prime256v1",
  "P-384": "secp384r1",
  "P-521": "secp521r1",
  "P-256K": "secp256k1",
};
const KEY_OPS = ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey", "import", "export"];

const attributesSchema = z
  .object({
    enabled: z.boolean().optional(),
    nbf: z.number().int().nullable().optional(),
    exp: z.number().int().nullable().optional(),
    exportable: z.boolean().optional(),
  })
  .loose();

export const createSchema = z
  .object({
    kty: z.enum(["RSA", "RSA-HSM", "EC", "EC-HSM", "oct", "oct-HSM"]),
    key_size: z.number().int().optional(),
    public_exponent: z.number().int().optional(),
    key_ops: z.array(z.string()).optional(),
    attributes: attributesSchema.optional(),
    tags: z.record(z.string(), z.string()).optional(),
    crv: z.string().optional(),
  })
  .loose();

export const updateSchema = z
  .object({
    key_ops: z.array(z.string()).optional(),
    attributes: attributesSchema.optional(),
    tags: z.record(z.string(), z.string()).optional(),
  })
  .loose();

function canonicalOps(ops: string[] | undefined, fallback: string[]): string[] {
  if (!ops) return fallback;
  return ops.map((op) => {
    const match = KEY_OPS.find((k) => k.toLowerCase() === op.toLowerCase());
    if (!match) throw badParameter(`Invalid key operation '${op}'.`);
    return match;
  });
}

export type CreateBody = z.infer<typeof createSchema>;

/** Validates a create request and makes the new version's public key (private halves are discarded at once). */
export async function newVersion(vault: VaultRecord, body: CreateBody, now: Date): Promise<KeyVersionRecord> {
  const hsm = body.kty.endsWith("-HSM");
  if (body.kty.startsWith("oct")) throw badParameter(`Key type '${body.kty}' is only supported by Managed HSM.`);
  if (hsm && vault.sku !== "premium") {
    throw badParameter(`Key type '${body.kty}' needs a premium vault; vault '${vault.name}' is standard.`);
  }
  const kty = body.kty as KeyVersionRecord["kty"];
  const iso = now.toISOString();
  const base: KeyVersionRecord = {
    version: newKeyVersion(),
    kty,
    keyOps: [],
    enabled: body.attributes?.enabled ?? true,
    created: iso,
    updated: iso,
    ...(body.attributes?.exp ? { exp: isoFromSeconds(body.attributes.exp) } : {}),
    ...(body.attributes?.nbf ? { nbf: isoFromSeconds(body.attributes.nbf) } : {}),
    ...(body.tags ? { tags: body.tags } : {}),
  };
  if (kty === "RSA" || kty === "RSA-HSM") {
    const size = body.key_size ?? 2048;
    if (!RSA_SIZES.includes(size)) {
      throw badParameter(`The key size ${size} is not supported: RSA keys are 2048, 3072 or 4096 bits.`);
    }
    const { publicKey } = await generateKeyPairAsync("rsa", {
      modulusLength: size,
      publicExponent: body.public_exponent ?? 65537,
    });
    const jwk = publicKey.export({ format: "jwk" }) as JsonWebKey;
    return {
      ...base,
      keySize: size,
      keyOps: canonicalOps(body.key_ops, ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]),
      ...(jwk.n ? { n: jwk.n } : {}),
      ...(jwk.e ? { e: jwk.e } : {}),
    };
  }
  const crv = body.crv ?? "P-256";
  if (!EC_CURVES[crv]) throw badParameter(`The curve '${crv}' is not supported: use P-256, P-384, P-521 or P-256K.`);
  return { ...base, crv, keyOps: canonicalOps(body.key_ops, ["sign", "verify"]) };
}

export function addVersion(
  world: World,
  vaultName: string,
  name: string,
  version: KeyVersionRecord,
  now: Date,
): RouteResult {
  const vault = liveVaultOrNetworkError(world, vaultName);
  const existing = vault.keys[name.toLowerCase()];
  refuseDeletedName(existing, name, now);
  let key = existing;
  if (!key || key.purged) {
    key = { name, versions: [] };
    vault.keys[name.toLowerCase()] = key;
  }
  key.versions.push(version);
  return { status: 200, body: keyBundle(vault, key, version) };
}

export function updateVersion(version: KeyVersionRecord, body: z.infer<typeof updateSchema>, now: Date): void {
  if (body.key_ops) version.keyOps = canonicalOps(body.key_ops, version.keyOps);
  const attrs = body.attributes;
  if (attrs?.enabled !== undefined) version.enabled = attrs.enabled;
  if (attrs?.exp === null) delete version.exp;
  else if (attrs?.exp !== undefined) version.exp = isoFromSeconds(attrs.exp);
  if (attrs?.nbf === null) delete version.nbf;
  else if (attrs?.nbf !== undefined) version.nbf = isoFromSeconds(attrs.nbf);
  if (body.tags) version.tags = body.tags;
  version.updated = now.toISOString();
}
