// Key Vault keys data plane (research §3): get, list, versions, create, rotate, update, delete (soft), deleted keys,
// recover (with a pending window the SDK's poller waits through), purge, backup, restore.
import { generateKeyPair, type JsonWebKey } from "node:crypto";
import { promisify } from "node:util";
import { z } from "zod";
import { worldNow } from "../clock.js";
import { newKeyVersion } from "../ids.js";
import { deletionInProgress, keyDeletionMs, softDeleteKey } from "../key-deletion.js";
import type { KeyRecord, KeyVersionRecord, VaultRecord, World } from "../world.js";
import { page, pathSegments, readJson, type RouteContext, type RouteResult } from "./context.js";
import { currentVersion, deletedKeyBundle, deletedKeyItem, isoFromSeconds, keyBundle, keyItem } from "./key-bodies.js";
import { challenge, checkFirewall, checkOperatorAccess, hasBearer, liveVaultOrNetworkError } from "./keyvault-gate.js";
import { errorBody, ServiceError } from "./problems.js";

const generateKeyPairAsync = promisify(generateKeyPair);
const RSA_SIZES = [2048, 3072, 4096];
const EC_CURVES: Record<string, string> = {
  "P-256": "prime256v1",
  "P-384": "secp384r1",
  "P-521": "secp521r1",
  "P-256K": "secp256k1",
};
const KEY_OPS = ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey", "import", "export"];
/** Polls of GET /keys/{name}/ that still answer 404 after a recover: recovery is not instant in Key Vault either. */
const RECOVERY_PENDING_POLLS = 1;

// Published texts (research §3.4).
function keyNotFound(name: string): ServiceError {
  return new ServiceError(
    404,
    "KeyNotFound",
    `A key with (name/id) ${name} was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
  );
}

function deletedKeyNotFound(name: string): ServiceError {
  return new ServiceError(404, "KeyNotFound", `Deleted Key not found: ${name}`);
}

function deletedButRecoverable(name: string): ServiceError {
  return new ServiceError(
    409,
    "Conflict",
    `Key ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the key can only be recovered or purged.`,
    { innerCode: "ObjectIsDeletedButRecoverable" },
  );
}

function beingDeleted(name: string): ServiceError {
  return new ServiceError(
    409,
    "Conflict",
    `Key ${name} is currently being deleted and cannot be re-created; retry later.`,
  );
}

/** Creating or restoring over a name that is deleted (or still being deleted) is refused, as Key Vault does. */
function refuseDeletedName(key: KeyRecord | undefined, name: string, now: Date): void {
  if (!key?.deleted || key.purged) return;
  throw deletionInProgress(key, now) ? beingDeleted(name) : deletedButRecoverable(name);
}

function badParameter(message: string): ServiceError {
  return new ServiceError(400, "BadParameter", message);
}

function recoveryOperationId(vault: VaultRecord, name: string): string {
  return `key-recover-${vault.name.toLowerCase()}-${name.toLowerCase()}`;
}

/** A live key (not soft-deleted, not purged), or 404 KeyNotFound. */
function liveKey(vault: VaultRecord, name: string): KeyRecord {
  const key = vault.keys[name.toLowerCase()];
  if (!key || key.deleted || key.purged || key.versions.length === 0) throw keyNotFound(name);
  return key;
}

/** A soft-deleted key whose deletion has finished, or 404 "Deleted Key not found" (also while it is in progress). */
function deletedKey(vault: VaultRecord, name: string, now: Date): KeyRecord {
  const key = vault.keys[name.toLowerCase()];
  if (!key || !key.deleted || key.purged || key.versions.length === 0 || deletionInProgress(key, now)) {
    throw deletedKeyNotFound(name);
  }
  return key;
}

function findVersion(key: KeyRecord, name: string, version: string | undefined): KeyVersionRecord {
  const found = version ? key.versions.find((v) => v.version === version.toLowerCase()) : currentVersion(key);
  if (!found) throw keyNotFound(version ? `${name}/${version}` : name);
  return found;
}

const attributesSchema = z
  .object({
    enabled: z.boolean().optional(),
    nbf: z.number().int().nullable().optional(),
    exp: z.number().int().nullable().optional(),
    exportable: z.boolean().optional(),
  })
  .loose();

const createSchema = z
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

const updateSchema = z
  .object({
    key_ops: z.array(z.string()).optional(),
    attributes: attributesSchema.optional(),
    tags: z.record(z.string(), z.string()).optional(),
  })
  .loose();

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

function canonicalOps(ops: string[] | undefined, fallback: string[]): string[] {
  if (!ops) return fallback;
  return ops.map((op) => {
    const match = KEY_OPS.find((k) => k.toLowerCase() === op.toLowerCase());
    if (!match) throw badParameter(`Invalid key operation '${op}'.`);
    return match;
  });
}

type CreateBody = z.infer<typeof createSchema>;

/** Validates a create request and makes the new version's public key (private halves are discarded at once). */
async function newVersion(vault: VaultRecord, body: CreateBody, now: Date): Promise<KeyVersionRecord> {
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

function addVersion(world: World, vaultName: string, name: string, version: KeyVersionRecord, now: Date): RouteResult {
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

function updateVersion(version: KeyVersionRecord, body: z.infer<typeof updateSchema>, now: Date): void {
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

function base64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}

function listKeys(ctx: RouteContext, vault: VaultRecord): RouteResult {
  const items = Object.values(vault.keys)
    .filter((k) => !k.deleted && !k.purged && k.versions.length > 0)
    .map((k) => keyItem(vault, k, currentVersion(k) as KeyVersionRecord, false));
  return { status: 200, body: page(ctx, items, { sizeParam: "maxresults", defaultSize: 25 }) };
}

function listVersions(ctx: RouteContext, vault: VaultRecord, name: string): RouteResult {
  const key = liveKey(vault, name);
  const items = key.versions.map((v) => keyItem(vault, key, v, true));
  return { status: 200, body: page(ctx, items, { sizeParam: "maxresults", defaultSize: 25 }) };
}

function listDeleted(ctx: RouteContext, vault: VaultRecord, now: Date): RouteResult {
  const items = Object.values(vault.keys)
    .filter((k) => k.deleted && !k.purged && k.versions.length > 0 && !deletionInProgress(k, now))
    .map((k) => deletedKeyItem(vault, k, currentVersion(k) as KeyVersionRecord));
  return { status: 200, body: page(ctx, items, { sizeParam: "maxresults", defaultSize: 25 }) };
}

/** Runs one operation, after the gate. `permission` is what the operator needs. */
interface Operation {
  permission: string;
  keyName?: string;
  run(): Promise<RouteResult> | RouteResult;
}

function resolveOperation(ctx: RouteContext, vaultName: string): Operation {
  const s = pathSegments(ctx.path);
  const m = ctx.method;
  const [first, name, rest] = s;
  const collection = first?.toLowerCase();
  const third = rest?.toLowerCase();
  const store = ctx.store;
  const write = <T>(fn: (world: World, vault: VaultRecord, now: Date) => T): T =>
    store.update((world, now) => fn(world, liveVaultOrNetworkError(world, vaultName), now));
  const read = <T>(fn: (vault: VaultRecord, now: Date) => T): T => {
    const world = store.read();
    return fn(liveVaultOrNetworkError(world, vaultName), worldNow(world));
  };

  if (collection === "keys" && s.length === 1 && m === "GET") {
    return { permission: "list", run: () => read((vault) => listKeys(ctx, vault)) };
  }
  if (collection === "keys" && name === "restore" && s.length === 2 && m === "POST") {
    return { permission: "restore", run: () => restore(ctx, vaultName) };
  }
  if (collection === "keys" && name !== undefined && s.length <= 3 && (m === "GET" || m === "PATCH")) {
    const version = third === "versions" ? undefined : rest;
    if (third === "versions" && m === "GET") {
      return { permission: "list", keyName: name, run: () => read((vault) => listVersions(ctx, vault, name)) };
    }
    if (m === "GET") {
      return {
        permission: "get",
        keyName: name,
        run: () =>
          write((world, vault) => {
            // A recovery in progress: the key is not readable yet (the SDK's recover poller waits on this 404).
            const pending = world.operations[recoveryOperationId(vault, name)];
            if (pending && pending.pollsLeft > 0) {
              pending.pollsLeft -= 1;
              if (pending.pollsLeft === 0) delete world.operations[pending.id];
              // Returned, not thrown: a throw inside the store update would discard the decrement.
              const notYet = keyNotFound(name);
              return { status: notYet.status, body: errorBody("keyvault", notYet) };
            }
            const key = liveKey(vault, name);
            return { status: 200, body: keyBundle(vault, key, findVersion(key, name, version)) };
          }),
      };
    }
    const body = readJson(ctx, updateSchema, "keyvault");
    return {
      permission: "update",
      keyName: name,
      run: () =>
        write((_world, vault, now) => {
          const key = liveKey(vault, name);
          const target = findVersion(key, name, version);
          updateVersion(target, body, now);
          return { status: 200, body: keyBundle(vault, key, target) };
        }),
    };
  }
  if (collection === "keys" && name !== undefined && s.length === 1 + 1 && m === "DELETE") {
    return {
      permission: "delete",
      keyName: name,
      run: () => write((world, vault, now) => deleteKey(vault, name, now, keyDeletionMs(world))),
    };
  }
  if (collection === "keys" && name !== undefined && s.length === 3 && m === "POST") {
    if (third === "create" || third === "rotate") {
      return {
        permission: third,
        keyName: name,
        run: async () => {
          const vault = read((v) => v);
          let body: CreateBody;
          if (third === "create") body = readJson(ctx, createSchema, "keyvault");
          else {
            // Rotate: a new version with the current version's type, size and operations.
            const current = currentVersion(liveKey(vault, name)) as KeyVersionRecord;
            body = {
              kty: current.kty,
              key_ops: current.keyOps,
              ...(current.keySize ? { key_size: current.keySize } : {}),
              ...(current.crv ? { crv: current.crv } : {}),
            };
          }
          // Key generation is slow and async: done outside the store's lock, then added to the latest world.
          const version = await newVersion(vault, body, worldNow(store.read()));
          return store.update((world, now) => {
            if (third === "rotate") liveKey(liveVaultOrNetworkError(world, vaultName), name);
            return addVersion(world, vaultName, name, version, now);
          });
        },
      };
    }
    if (third === "backup") {
      return { permission: "backup", keyName: name, run: () => read((vault) => backup(vault, name)) };
    }
  }
  if (collection === "deletedkeys" && s.length === 1 && m === "GET") {
    return { permission: "list", run: () => read((vault, now) => listDeleted(ctx, vault, now)) };
  }
  if (collection === "deletedkeys" && name !== undefined && s.length === 2 && m === "GET") {
    return {
      permission: "get",
      keyName: name,
      run: () =>
        read((vault, now) => {
          const key = deletedKey(vault, name, now);
          return { status: 200, body: deletedKeyBundle(vault, key, currentVersion(key) as KeyVersionRecord) };
        }),
    };
  }
  if (collection === "deletedkeys" && name !== undefined && s.length === 2 && m === "DELETE") {
    return { permission: "purge", keyName: name, run: () => write((_w, vault, now) => purgeKey(vault, name, now)) };
  }
  if (collection === "deletedkeys" && name !== undefined && third === "recover" && s.length === 3 && m === "POST") {
    return {
      permission: "recover",
      keyName: name,
      run: () =>
        write((world, vault, now) => {
          const key = deletedKey(vault, name, now);
          delete key.deleted;
          const id = recoveryOperationId(vault, name);
          world.operations[id] = {
            id,
            kind: "key-recover",
            resourceId: `${vault.id}/keys/${key.name}`,
            pollsLeft: RECOVERY_PENDING_POLLS,
            status: "InProgress",
          };
          return { status: 200, body: keyBundle(vault, key, currentVersion(key) as KeyVersionRecord) };
        }),
    };
  }
  throw new ServiceError(
    400,
    "BadParameter",
    `The sandbox does not simulate ${m} ${ctx.path} on the Key Vault data plane: only the key operations acr-cmk uses are modelled.`,
  );
}

/** Soft delete: the deleted record appears only after the world's deletion window (research §3.1). */
function deleteKey(vault: VaultRecord, name: string, now: Date, inProgressMs: number): RouteResult {
  const key = liveKey(vault, name);
  const version = currentVersion(key) as KeyVersionRecord;
  if (!vault.enableSoftDelete) {
    key.purged = true;
    return { status: 200, body: keyBundle(vault, key, version) };
  }
  softDeleteKey(vault, key, now, inProgressMs);
  return { status: 200, body: deletedKeyBundle(vault, key, version) };
}

function purgeKey(vault: VaultRecord, name: string, now: Date): RouteResult {
  const key = deletedKey(vault, name, now);
  if (vault.enablePurgeProtection) {
    throw new ServiceError(
      403,
      "Forbidden",
      'Operation "purge" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed',
    );
  }
  key.purged = true;
  delete key.deleted;
  return { status: 204 };
}

/** An opaque blob with the key's versions: public data only, the sandbox holds no private material. */
function backup(vault: VaultRecord, name: string): RouteResult {
  const key = liveKey(vault, name);
  const blob = {
    format: "acr-cmk-sandbox-key-backup/1",
    vault: vault.name,
    key: { name: key.name, versions: key.versions },
  };
  return { status: 200, body: { value: base64url(JSON.stringify(blob)) } };
}

function restore(ctx: RouteContext, vaultName: string): RouteResult {
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

/** The Key Vault data plane for one vault, behind its gate (DNS, challenge, firewall, access). */
export async function handleKeyVault(ctx: RouteContext, vaultName: string): Promise<RouteResult> {
  const world = ctx.store.read();
  const vault = liveVaultOrNetworkError(world, vaultName);
  if (!hasBearer(ctx.headers)) throw challenge(world);
  checkFirewall(world, vault);
  const operation = resolveOperation(ctx, vaultName);
  checkOperatorAccess(world, vault, operation.permission, operation.keyName);
  return operation.run();
}

/**
 * DELETE /deletedkeys/{name} (and the same purge of a deleted secret or certificate, which the sandbox does not model):
 * counted as a purge attempt whatever the answer.
 */
export function isKeyVaultPurgeRequest(method: string, path: string): boolean {
  const s = pathSegments(path);
  return method === "DELETE" && s.length === 2 && /^deleted(keys|secrets|certificates)$/i.test(s[0] ?? "");
}
