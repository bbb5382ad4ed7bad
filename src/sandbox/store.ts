// One world shared by every command and a running `sandbox serve`, through the state file.
// Writers take an O_EXCL lockfile, mutate, write a temp file and rename it over the state (atomic on POSIX), so
// readers never see half a file and two writers never lose each other's changes.
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";
import { folderUnusable } from "../errors.js";
import { applyTimeEffects, worldNow } from "./clock.js";
import { WORLD_VERSION, type World } from "./world.js";

export interface WorldStore {
  read(): World;
  /** Runs `fn` on the current world at the sandbox clock's `now`; what it leaves in `world` is saved. Throwing saves nothing. */
  update<T>(fn: (world: World, now: Date) => T): T;
  readonly path?: string;
}

/** The state file is missing, corrupt, from another version, or locked for too long. */
export class SandboxStateError extends Error {
  override readonly name = "SandboxStateError";
}

/** A lock older than this is from a writer that died mid-update (an update takes milliseconds). */
const STALE_LOCK_MS = 10_000;
const LOCK_TIMEOUT_MS = 15_000;

const record = <T extends z.ZodType>(value: T) => z.record(z.string(), value);

// Structural check of the file: enough to refuse a corrupt or foreign document with a clear message, not a
// TypeError deep inside a handler. Inner records are `loose` so additive world fields keep loading.
const worldSchema = z
  .object({
    version: z.literal(WORLD_VERSION),
    subscriptionId: z.string(),
    tenantId: z.string(),
    operator: z.object({ objectId: z.string(), appId: z.string() }).loose(),
    clock: z.object({ offsetMs: z.number() }).loose(),
    settings: z
      .object({
        latencyMs: z.number(),
        rotationPickupMs: z.number(),
        identityGraceMs: z.number(),
        keyDeletionMs: z.number().nonnegative().optional(),
        faults: z.array(z.object({ match: z.string(), status: z.number() }).loose()),
      })
      .loose(),
    resourceGroups: z.array(z.string()),
    identities: record(
      z.object({ id: z.string(), name: z.string(), principalId: z.string(), clientId: z.string() }).loose(),
    ),
    registries: record(
      z
        .object({
          id: z.string(),
          name: z.string(),
          resourceGroup: z.string(),
          userAssignedIdentities: z.array(z.string()),
          encryption: z.object({ status: z.enum(["enabled", "disabled"]) }).loose(),
          repositories: z.array(z.string()),
        })
        .loose(),
    ),
    vaults: record(
      z
        .object({
          id: z.string(),
          name: z.string(),
          networkAcls: z
            .object({ defaultAction: z.enum(["Allow", "Deny"]), bypass: z.enum(["AzureServices", "None"]) })
            .loose(),
          accessPolicies: z.array(
            z.object({ objectId: z.string(), permissions: z.object({ keys: z.array(z.string()) }).loose() }).loose(),
          ),
          keys: record(
            z.object({ name: z.string(), versions: z.array(z.object({ version: z.string() }).loose()) }).loose(),
          ),
        })
        .loose(),
    ),
    roleAssignments: record(
      z.object({ id: z.string(), scope: z.string(), roleDefinitionId: z.string(), principalId: z.string() }).loose(),
    ),
    counters: z.object({ requests: z.number(), purgeRequests: z.number(), writes: z.number() }).loose(),
    operations: record(z.object({ id: z.string() }).loose()),
  })
  .loose();

const REINIT = "run `acr-cmk sandbox init` to start a fresh sandbox (this replaces the file)";

/** Parses and checks a state document; throws SandboxStateError naming the file. */
export function parseWorld(text: string, path: string): World {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new SandboxStateError(`sandbox state file ${path} is not valid JSON (corrupt?): ${REINIT}`);
  }
  const version = (data as { version?: unknown } | null)?.version;
  if (typeof data === "object" && data !== null && version !== WORLD_VERSION) {
    throw new SandboxStateError(
      `sandbox state file ${path} has version ${JSON.stringify(version ?? null)}, this acr-cmk reads version ${WORLD_VERSION}: ${REINIT}`,
    );
  }
  const parsed = worldSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.join(".") || "(top level)"}: ${issue.message}` : "unknown shape";
    throw new SandboxStateError(`sandbox state file ${path} is not a sandbox world (${where}): ${REINIT}`);
  }
  return parsed.data as unknown as World;
}

function readWorldFile(path: string): World {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new SandboxStateError(`no sandbox at ${path}: run \`acr-cmk sandbox init\``);
    }
    if ((error as NodeJS.ErrnoException).code === "ENOTDIR") throw folderUnusable(dirname(path), error);
    throw new SandboxStateError(`cannot read sandbox state file ${path}: ${(error as Error).message}`);
  }
  return parseWorld(text, path);
}

/** Write to a temp file in the same folder, flush it, then rename over the state: readers see old or new, never half. */
function writeWorldFile(path: string, world: World): void {
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fd = openSync(temp, "w", 0o600);
  try {
    writeSync(fd, JSON.stringify(world, null, 2) + "\n");
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, path);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // The temp file is already gone; nothing to clean.
    }
    throw error;
  }
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
/** The store's API is synchronous (handlers mutate inside one call), so waiting for the lock blocks briefly. */
function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function lockIsStale(lockPath: string): { stale: boolean; content: string } {
  let content: string;
  let mtimeMs: number;
  try {
    content = readFileSync(lockPath, "utf8");
    mtimeMs = statSync(lockPath).mtimeMs;
  } catch {
    return { stale: false, content: "" }; // released meanwhile: just retry
  }
  const pid = Number.parseInt(content.split(" ")[0] ?? "", 10);
  const stale = Date.now() - mtimeMs > STALE_LOCK_MS || (content.length > 0 && !pidAlive(pid));
  return { stale, content };
}

/** Break a stale lock without ever removing a live one that replaced it in the meantime. */
function breakStaleLock(lockPath: string, staleContent: string): void {
  const aside = `${lockPath}.${process.pid}.${Math.random().toString(36).slice(2)}.stale`;
  try {
    renameSync(lockPath, aside);
  } catch {
    return; // someone else broke or released it
  }
  let moved: string;
  try {
    moved = readFileSync(aside, "utf8");
  } catch {
    moved = staleContent; // unreadable: treat it as the stale one
  }
  if (moved !== staleContent) {
    // We moved a fresh lock taken after our check: put it back (link fails if yet another writer holds the lock).
    try {
      linkSync(aside, lockPath);
    } catch {
      // The lock is held by a newer writer; the one we moved is lost, and its owner's rename still succeeds.
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    // already gone
  }
}

function acquireLock(lockPath: string): void {
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  let wait = 1;
  for (;;) {
    try {
      const fd = openSync(lockPath, "wx", 0o600);
      try {
        writeSync(fd, `${process.pid} ${new Date().toISOString()}`);
      } finally {
        closeSync(fd);
      }
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") {
        throw new SandboxStateError(`no sandbox at ${lockPath.replace(/\.lock$/, "")}: run \`acr-cmk sandbox init\``);
      }
      if (code !== "EEXIST")
        throw new SandboxStateError(`cannot lock sandbox state ${lockPath}: ${(error as Error).message}`);
    }
    const { stale, content } = lockIsStale(lockPath);
    if (stale) {
      breakStaleLock(lockPath, content);
      continue;
    }
    if (Date.now() > deadline) {
      throw new SandboxStateError(
        `sandbox state ${lockPath} stayed locked for ${LOCK_TIMEOUT_MS / 1000} s; is another acr-cmk stuck?`,
      );
    }
    sleepSync(wait);
    wait = Math.min(wait * 2, 20);
  }
}

function releaseLock(lockPath: string): void {
  try {
    unlinkSync(lockPath);
  } catch {
    // Broken as stale by another writer after a very long update; nothing more to do.
  }
}

function withLock<T>(path: string, fn: () => T): T {
  const lockPath = `${path}.lock`;
  acquireLock(lockPath);
  try {
    return fn();
  } finally {
    releaseLock(lockPath);
  }
}

/** Identifies one version of the file: a rename gives every write a new inode. */
function fileVersion(path: string): string | undefined {
  try {
    const stat = statSync(path);
    return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/** The world kept in a JSON file, shared between processes. */
export function fileStore(path: string): WorldStore {
  // The version this store last wrote: reading it back needs no structural check (a fleet's world is read by every
  // request, and checking 1,000 registries each time costs more than parsing them).
  let ownVersion: string | undefined;
  const load = (): World => {
    if (ownVersion !== undefined && fileVersion(path) === ownVersion) {
      try {
        return JSON.parse(readFileSync(path, "utf8")) as World;
      } catch {
        // Replaced between the two looks: read and check it as any other file.
      }
    }
    return readWorldFile(path);
  };
  return {
    path,
    read: load,
    update<T>(fn: (world: World, now: Date) => T): T {
      return withLock(path, () => {
        const world = load();
        const now = worldNow(world);
        applyTimeEffects(world, now);
        const result = fn(world, now);
        writeWorldFile(path, world);
        ownVersion = fileVersion(path);
        return result;
      });
    },
  };
}

/** `sandbox init`: replace whatever is at `path` (even a corrupt file) with `world`, under the lock. */
export function initFileStore(path: string, world: World): WorldStore {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw folderUnusable(dirname(path), error);
  }
  withLock(path, () => writeWorldFile(path, world));
  return fileStore(path);
}

/** A world kept in memory (tests, in-process use). Updates work on a copy, so a throwing `fn` changes nothing. */
export function memoryStore(world: World): WorldStore {
  let current: World = structuredClone(world);
  return {
    read: () => structuredClone(current),
    update<T>(fn: (world: World, now: Date) => T): T {
      const draft = structuredClone(current);
      const now = worldNow(draft);
      applyTimeEffects(draft, now);
      const result = fn(draft, now);
      current = draft;
      return result;
    },
  };
}

/**
 * The sandbox's clock for a long-lived process (a Slack app, a TUI session): `sandbox advance` run from another
 * terminal moves it at once. The state file is re-read only when it changed on disk.
 */
export function liveWorldClock(path: string): () => Date {
  let seen: { ino: number; mtimeMs: number } | undefined;
  let offsetMs = 0;
  return () => {
    const stat = statSync(path, { throwIfNoEntry: false });
    // Writers rename a new file over the state, so a changed inode means a new world.
    if (stat && (seen?.ino !== stat.ino || seen.mtimeMs !== stat.mtimeMs)) {
      offsetMs = readWorldFile(path).clock.offsetMs;
      seen = { ino: stat.ino, mtimeMs: stat.mtimeMs };
    }
    return new Date(Date.now() + offsetMs);
  };
}
