// Key Vault keys data plane (https://learn.microsoft.com/en-us/rest/api/keyvault/keys, spec
// specification/keyvault/data-plane/Microsoft.KeyVault/stable/2025-07-01/keys.json): one route per operation, with
// the key permission the caller's access policy needs (RBAC maps it to a data action in keyvault-gate.ts).
import { worldNow } from "../clock.js";
import { deletionInProgress, keyDeletionMs, softDeleteKey } from "../key-deletion.js";
import type { KeyVersionRecord, VaultRecord, World } from "../world.js";
import { matchSegments, page, pathSegments, readJson, type RouteContext, type RouteResult } from "./context.js";
import { backup, restore } from "./key-backup.js";
import { currentVersion, deletedKeyBundle, deletedKeyItem, keyBundle, keyItem } from "./key-bodies.js";
import { deletedKey, findVersion, keyNotFound, liveKey, recoveryOperationId, refuseDeletedName } from "./key-state.js";
import { addVersion, createSchema, newVersion, updateSchema, updateVersion, type CreateBody } from "./key-versions.js";
import { challenge, checkFirewall, checkOperatorAccess, hasBearer, liveVaultOrNetworkError } from "./keyvault-gate.js";
import { errorBody, ServiceError } from "./problems.js";

/** Polls of GET /keys/{name}/ that still answer 404 after a recover: recovery is not instant in Key Vault either. */
const RECOVERY_PENDING_POLLS = 1;

type Params = Record<string, string>;
type Run = () => Promise<RouteResult> | RouteResult;

interface Route {
  method: string;
  pattern: string;
  /** Key permission of an access policy entry (https://learn.microsoft.com/en-us/azure/key-vault/general/security-features). */
  permission: string;
  /** Reads and validates the request, then returns the operation to run once the caller's access is checked. */
  prepare(ctx: RouteContext, vaultName: string, p: Params): Run;
}

function reader(ctx: RouteContext, vaultName: string) {
  return <T>(fn: (vault: VaultRecord, now: Date) => T): T => {
    const world = ctx.store.read();
    return fn(liveVaultOrNetworkError(world, vaultName), worldNow(world));
  };
}

function writer(ctx: RouteContext, vaultName: string) {
  return <T>(fn: (world: World, vault: VaultRecord, now: Date) => T): T =>
    ctx.store.update((world, now) => fn(world, liveVaultOrNetworkError(world, vaultName), now));
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

/** GET /keys/{name}[/{version}]; while a recovery is pending the key still answers 404 (the recover poller waits). */
function getKey(ctx: RouteContext, vaultName: string, name: string, version: string | undefined): RouteResult {
  return writer(
    ctx,
    vaultName,
  )((world, vault) => {
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
  });
}

function updateKey(ctx: RouteContext, vaultName: string, name: string, version: string | undefined): Run {
  const body = readJson(ctx, updateSchema, "keyvault");
  return () =>
    writer(
      ctx,
      vaultName,
    )((_world, vault, now) => {
      const key = liveKey(vault, name);
      const target = findVersion(key, name, version);
      updateVersion(target, body, now);
      return { status: 200, body: keyBundle(vault, key, target) };
    });
}

/** Create (a new key, or a new version of one) and rotate (a new version like the current one). */
function newKeyVersion(ctx: RouteContext, vaultName: string, name: string, rotate: boolean): Run {
  return async () => {
    const vault = reader(ctx, vaultName)((v) => v);
    let body: CreateBody;
    if (!rotate) {
      body = readJson(ctx, createSchema, "keyvault");
      // A deleted (or still deleting) name is refused at once, not after the slow key generation.
      refuseDeletedName(vault.keys[name.toLowerCase()], name, worldNow(ctx.store.read()));
    } else {
      const current = currentVersion(liveKey(vault, name)) as KeyVersionRecord;
      body = {
        kty: current.kty,
        key_ops: current.keyOps,
        ...(current.keySize ? { key_size: current.keySize } : {}),
        ...(current.crv ? { crv: current.crv } : {}),
      };
    }
    // Key generation is slow and async: done outside the store's lock, then added to the latest world.
    const version = await newVersion(vault, body, worldNow(ctx.store.read()));
    return ctx.store.update((world, now) => {
      if (rotate) liveKey(liveVaultOrNetworkError(world, vaultName), name);
      return addVersion(world, vaultName, name, version, now);
    });
  };
}

function recoverKey(ctx: RouteContext, vaultName: string, name: string): RouteResult {
  return writer(
    ctx,
    vaultName,
  )((world, vault, now) => {
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
  });
}

// Order matters where literals and parameters compete: /keys/restore and /keys/{name}/versions come first.
const ROUTES: Route[] = [
  {
    method: "GET",
    pattern: "keys",
    permission: "list",
    prepare: (ctx, v) => () => reader(ctx, v)((vault) => listKeys(ctx, vault)),
  },
  { method: "POST", pattern: "keys/restore", permission: "restore", prepare: (ctx, v) => () => restore(ctx, v) },
  {
    method: "GET",
    pattern: "keys/{name}/versions",
    permission: "list",
    prepare: (ctx, v, p) => () => reader(ctx, v)((vault) => listVersions(ctx, vault, p.name as string)),
  },
  {
    method: "GET",
    pattern: "keys/{name}",
    permission: "get",
    prepare: (ctx, v, p) => () => getKey(ctx, v, p.name as string, undefined),
  },
  {
    method: "GET",
    pattern: "keys/{name}/{version}",
    permission: "get",
    prepare: (ctx, v, p) => () => getKey(ctx, v, p.name as string, p.version),
  },
  {
    method: "PATCH",
    pattern: "keys/{name}",
    permission: "update",
    prepare: (ctx, v, p) => updateKey(ctx, v, p.name as string, undefined),
  },
  {
    method: "PATCH",
    pattern: "keys/{name}/{version}",
    permission: "update",
    prepare: (ctx, v, p) => updateKey(ctx, v, p.name as string, p.version),
  },
  {
    method: "DELETE",
    pattern: "keys/{name}",
    permission: "delete",
    prepare: (ctx, v, p) => () =>
      writer(ctx, v)((world, vault, now) => deleteKey(vault, p.name as string, now, keyDeletionMs(world))),
  },
  {
    method: "POST",
    pattern: "keys/{name}/create",
    permission: "create",
    prepare: (ctx, v, p) => newKeyVersion(ctx, v, p.name as string, false),
  },
  {
    method: "POST",
    pattern: "keys/{name}/rotate",
    permission: "rotate",
    prepare: (ctx, v, p) => newKeyVersion(ctx, v, p.name as string, true),
  },
  {
    method: "POST",
    pattern: "keys/{name}/backup",
    permission: "backup",
    prepare: (ctx, v, p) => () => reader(ctx, v)((vault) => backup(vault, p.name as string)),
  },
  {
    method: "GET",
    pattern: "deletedkeys",
    permission: "list",
    prepare: (ctx, v) => () => reader(ctx, v)((vault, now) => listDeleted(ctx, vault, now)),
  },
  {
    method: "GET",
    pattern: "deletedkeys/{name}",
    permission: "get",
    prepare: (ctx, v, p) => () =>
      reader(
        ctx,
        v,
      )((vault, now) => {
        const key = deletedKey(vault, p.name as string, now);
        return { status: 200, body: deletedKeyBundle(vault, key, currentVersion(key) as KeyVersionRecord) };
      }),
  },
  {
    method: "DELETE",
    pattern: "deletedkeys/{name}",
    permission: "purge",
    prepare: (ctx, v, p) => () => writer(ctx, v)((_w, vault, now) => purgeKey(vault, p.name as string, now)),
  },
  {
    method: "POST",
    pattern: "deletedkeys/{name}/recover",
    permission: "recover",
    prepare: (ctx, v, p) => () => recoverKey(ctx, v, p.name as string),
  },
];

/**
 * keys/{name}/rotationpolicy (`az keyvault key rotation-policy`) is not modelled: it is answered as such, not read as
 * a key version named "rotationpolicy" (found replaying Azure/azure-cli's recording test_keyvault_key_rotation.yaml).
 */
const UNMODELLED_KEY_PARTS = new Set(["rotationpolicy"]);

function findRoute(ctx: RouteContext): { route: Route; params: Params } {
  const segments = pathSegments(ctx.path);
  const keyPart = segments[0]?.toLowerCase() === "keys" ? segments[2]?.toLowerCase() : undefined;
  for (const route of keyPart && UNMODELLED_KEY_PARTS.has(keyPart) ? [] : ROUTES) {
    if (route.method !== ctx.method) continue;
    const params = matchSegments(route.pattern, segments);
    if (params) return { route, params };
  }
  throw new ServiceError(
    400,
    "BadParameter",
    `The sandbox does not simulate ${ctx.method} ${ctx.path} on the Key Vault data plane: only the key operations acr-cmk uses are modelled.`,
  );
}

/**
 * Soft delete: the deleted record appears only after the world's deletion window (deletion is eventually consistent:
 * the SDK's delete poller waits on GET /deletedkeys/{name}, @azure/keyvault-keys lro/delete).
 */
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

/** The Key Vault data plane for one vault, behind its gate (DNS, challenge, firewall, access). */
export async function handleKeyVault(ctx: RouteContext, vaultName: string): Promise<RouteResult> {
  const world = ctx.store.read();
  const vault = liveVaultOrNetworkError(world, vaultName);
  if (!hasBearer(ctx.headers)) throw challenge(world);
  checkFirewall(world, vault);
  const { route, params } = findRoute(ctx);
  // Parsed before the access check, as Key Vault answers a malformed body with 400 whoever asks.
  const run = route.prepare(ctx, vaultName, params);
  checkOperatorAccess(world, vault, route.permission, params.name);
  return run();
}

/**
 * DELETE /deletedkeys/{name} (and the same purge of a deleted secret or certificate, which the sandbox does not model):
 * counted as a purge attempt whatever the answer.
 */
export function isKeyVaultPurgeRequest(method: string, path: string): boolean {
  const s = pathSegments(path);
  return method === "DELETE" && s.length === 2 && /^deleted(keys|secrets|certificates)$/i.test(s[0] ?? "");
}
