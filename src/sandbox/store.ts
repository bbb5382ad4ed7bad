// One world shared by every command and a running `sandbox serve`, through the state file.
// Writers take an O_EXCL lockfile, mutate, write a temp file and rename it over the state (atomic on POSIX), so
// readers never see half a file and two writers never lose each other's changes.
import { randomUUID } from "node:crypto";
import {
  closeSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  writevSync,
} from "node:fs";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { folderUnusable } from "../errors.js";
import { applyTimeEffects, timeEffectsDue, worldNow } from "./clock.js";
import { SandboxStateError } from "./state-error.js";
import { withLock } from "./state-lock.js";
import { WORLD_VERSION, type World } from "./world.js";
import { draftOf, settled } from "./world-draft.js";
import { worldBytes } from "./world-text.js";

export interface WorldStore {
  read(): World;
  /** Runs `fn` on the current world at the sandbox clock's `now`; what it leaves in `world` is saved. Throwing saves nothing. */
  update<T>(fn: (world: World, now: Date) => T): T;
  readonly path?: string;
}

export { SandboxStateError };

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
  // The document itself, not zod's copy of it (the schema only checks): a fleet's world is kept once, not twice.
  return data as World;
}

/**
 * Every write puts a fresh revision first in the file, so a reader tells versions apart from the file's first bytes:
 * inode numbers are reused once freed, and mtime moves in clock ticks, so two writes of the same size within one tick
 * could otherwise look alike. A file edited by hand keeps its revision but changes size, mtime or inode.
 */
const REVISION = /^\{\s*"revision":\s*"([^"]{1,64})"/;
const HEAD_BYTES = 128;

/** Which version of the state file an open descriptor holds: device, inode, size, mtime in ns, and its revision. */
function versionOf(fd: number): string {
  const stat = fstatSync(fd, { bigint: true });
  const head = Buffer.alloc(HEAD_BYTES);
  const read = readSync(fd, head, 0, HEAD_BYTES, 0);
  const revision = REVISION.exec(head.toString("utf8", 0, read))?.[1] ?? "-";
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${revision}`;
}

/**
 * The parsed world of each state file this process uses, with the version it was read from or written as: a request
 * reads it again only when the file changed (another command, `sandbox serve`, an edit). Frozen, because every reader
 * in the process shares it: a change goes through `update`, which works on a copy.
 */
const parsedWorlds = new Map<string, { version: string; world: World }>();

/** Parts already frozen are shared with an older world: they are not walked again. */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key in value) deepFreeze(value[key]);
  }
  return value;
}

function openWorldFile(path: string): number {
  try {
    return openSync(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new SandboxStateError(`no sandbox at ${path}: run \`acr-cmk sandbox init\``);
    }
    if ((error as NodeJS.ErrnoException).code === "ENOTDIR") throw folderUnusable(dirname(path), error);
    throw new SandboxStateError(`cannot read sandbox state file ${path}: ${(error as Error).message}`);
  }
}

/** The world in the state file as it is now: the one kept from before when the file has not changed since. */
function loadWorld(path: string): World {
  const fd = openWorldFile(path);
  try {
    // One descriptor for the look and the read: a rename over the path meanwhile cannot mix two versions.
    const version = versionOf(fd);
    const kept = parsedWorlds.get(path);
    if (kept?.version === version) return kept.world;
    const world = deepFreeze(parseWorld(readFileSync(fd, "utf8"), path));
    parsedWorlds.set(path, { version, world });
    return world;
  } catch (error) {
    if (error instanceof SandboxStateError) throw error;
    throw new SandboxStateError(`cannot read sandbox state file ${path}: ${(error as Error).message}`);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, buffers: Buffer[]): void {
  const total = buffers.reduce((sum, b) => sum + b.length, 0);
  let written = writevSync(fd, buffers);
  // writev may write less than asked (a signal, a full disk on the way): the rest follows from where it stopped.
  if (written < total) {
    const rest = Buffer.concat(buffers).subarray(written);
    while (written < total) written += writeSync(fd, rest, written - (total - rest.length));
  }
}

/**
 * Write to a temp file in the same folder, flush it, then rename over the state: readers see old or new, never half.
 * What was written becomes the world this process keeps for the file.
 */
function writeWorldFile(path: string, world: World): void {
  const { revision: _previous, ...rest } = world;
  // Frozen before it is written: what is kept for the file, and what lets worldBytes reuse an untouched part's bytes.
  const saved = deepFreeze({ revision: randomUUID(), ...rest } as World);
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fd = openSync(temp, "w+", 0o600);
  let version: string;
  try {
    writeAll(fd, worldBytes(saved));
    fsyncSync(fd);
    // A rename keeps the inode, size and mtime: this is the version readers will see.
    version = versionOf(fd);
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
  parsedWorlds.set(path, { version, world: saved });
}

/**
 * The world kept in a JSON file, shared between processes. `read()` gives a frozen world, shared by every reader in
 * this process (structuredClone it to change a copy); `update` saves a change for every process.
 */
export function fileStore(path: string): WorldStore {
  const file = resolve(path);
  return {
    path,
    read: () => loadWorld(file),
    update<T>(fn: (world: World, now: Date) => T): T {
      return withLock(file, () => {
        const base = loadWorld(file);
        const world = draftOf(base);
        const now = worldNow(base);
        // Looked at on the kept world first: a draft copies what is read, and time seldom has anything to change.
        if (timeEffectsDue(base, now)) applyTimeEffects(world, now);
        const result = fn(world, now);
        writeWorldFile(file, settled(world, base));
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
  const file = resolve(path);
  withLock(file, () => writeWorldFile(file, structuredClone(world)));
  return fileStore(path);
}

/**
 * A world kept in memory (tests, in-process use). Updates work on a copy, so a throwing `fn` changes nothing. `read()`
 * gives a frozen world shared by every reader, as the file store does: a caller that changes what it read fails here
 * too, not only against a state file.
 */
export function memoryStore(world: World): WorldStore {
  let current: World = deepFreeze(structuredClone(world));
  return {
    read: () => current,
    update<T>(fn: (world: World, now: Date) => T): T {
      const draft = structuredClone(current);
      const now = worldNow(draft);
      applyTimeEffects(draft, now);
      const result = fn(draft, now);
      current = deepFreeze(draft);
      return result;
    },
  };
}

/**
 * The sandbox's clock for a long-lived process (a Slack app, a TUI session): `sandbox advance` run from another
 * terminal moves it at once. The state file is re-read only when it changed on disk.
 */
export function liveWorldClock(path: string): () => Date {
  const file = resolve(path);
  let offsetMs = 0;
  return () => {
    // Cheap while the file is unchanged: a look at its version, not a parse.
    if (statSync(file, { throwIfNoEntry: false })) offsetMs = loadWorld(file).clock.offsetMs;
    return new Date(Date.now() + offsetMs);
  };
}
