// The state file's writer lock: an O_EXCL lockfile holding the writer's pid, broken when its writer died (or after a
// while), so two writers never lose each other's changes and a crashed one never wedges the sandbox.
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { SandboxStateError } from "./state-error.js";

/** A lock older than this is from a writer that died mid-update (an update takes milliseconds). */
const STALE_LOCK_MS = 10_000;
const LOCK_TIMEOUT_MS = 15_000;

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

/** Takes the lock; returns what it wrote in the lockfile, so the release can tell the lock is still its own. */
function acquireLock(lockPath: string): string {
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  let wait = 1;
  for (;;) {
    try {
      const fd = openSync(lockPath, "wx", 0o600);
      const mine = `${process.pid} ${new Date().toISOString()} ${Math.random().toString(36).slice(2)}`;
      try {
        writeSync(fd, mine);
      } finally {
        closeSync(fd);
      }
      return mine;
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

function releaseLock(lockPath: string, mine: string): void {
  try {
    // After a very long update the lock may have been broken as stale and taken by another writer: that one is
    // theirs, and removing it would let a third writer in beside them.
    if (readFileSync(lockPath, "utf8") !== mine) return;
    unlinkSync(lockPath);
  } catch {
    // Broken as stale and not retaken; nothing more to do.
  }
}

export function withLock<T>(path: string, fn: () => T): T {
  const lockPath = `${path}.lock`;
  const mine = acquireLock(lockPath);
  try {
    return fn();
  } finally {
    releaseLock(lockPath, mine);
  }
}
