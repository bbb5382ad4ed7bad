// The one sqlite file under ACR_CMK_HOME that holds runs, the registry locks and the audit log.
// WAL mode lets a driver read while another process writes; migrations run in order, once each.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { folderUnusable, UsageError } from "../errors.js";

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE runs (
     id TEXT PRIMARY KEY,
     runbook TEXT NOT NULL,
     registry_key TEXT NOT NULL,
     target TEXT NOT NULL,
     requester TEXT NOT NULL,
     driver TEXT NOT NULL,
     dry_run INTEGER NOT NULL,
     self_approve INTEGER NOT NULL,
     status TEXT NOT NULL,
     snapshot TEXT,
     visited TEXT NOT NULL,
     deadline TEXT,
     approval TEXT,
     view TEXT NOT NULL,
     started_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE INDEX runs_by_registry ON runs (registry_key, status);
   CREATE TABLE registry_locks (
     registry_key TEXT PRIMARY KEY,
     run_id TEXT NOT NULL,
     owner_pid INTEGER NOT NULL,
     owner_host TEXT NOT NULL,
     owner_token TEXT NOT NULL,
     heartbeat_at TEXT NOT NULL,
     expires_at TEXT NOT NULL
   );
   CREATE TABLE audit_log (
     seq INTEGER PRIMARY KEY,
     at TEXT NOT NULL,
     run_id TEXT,
     actor TEXT NOT NULL,
     action TEXT NOT NULL,
     outcome TEXT NOT NULL,
     azure_request_id TEXT,
     details TEXT NOT NULL,
     prev_hash TEXT NOT NULL,
     hash TEXT NOT NULL
   );
   CREATE INDEX audit_by_run ON audit_log (run_id, seq);
   -- Append-only: the database itself refuses to rewrite history.
   CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
   CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;`,
  // Where a run acts (the cloud, or a sandbox and its state file): NULL for runs stored before it was recorded.
  `ALTER TABLE runs ADD COLUMN place TEXT;`,
  // Why the runbook itself crashed (an internal error, not Azure's): such a run has ended. Runs stored before the
  // column existed carry it in their view's error.
  `ALTER TABLE runs ADD COLUMN crashed TEXT;
   UPDATE runs SET crashed = json_extract(view, '$.error.message') WHERE json_extract(view, '$.error.cause') = 'internal';`,
  // Answers to a run's choices given on the command line (JSON array), for whoever resumes it.
  `ALTER TABLE runs ADD COLUMN preset_choices TEXT;`,
];

export const DATABASE_FILE = "runs.sqlite";

/**
 * One connection per file in a process, shared by every engine that opens it. An exclusive unit holds its transaction
 * across awaits; a second connection of this process writing meanwhile would wait for SQLite's lock on this very
 * thread (busy_timeout blocks), so the unit could never finish: "database is locked". On one connection, the other
 * engine's units wait their turn (inTransactionAsync) instead.
 */
const connections = new Map<string, { db: DatabaseSync; users: number }>();

export function openRunDatabase(home: string): DatabaseSync {
  try {
    mkdirSync(home, { recursive: true });
  } catch (error) {
    throw folderUnusable(home, error);
  }
  const path = join(home, DATABASE_FILE);
  const open = connections.get(resolve(path));
  if (open) {
    open.users++;
    return open.db;
  }
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path);
    db.exec("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;");
    migrate(db);
    connections.set(resolve(path), { db, users: 1 });
    return db;
  } catch (error) {
    db?.close();
    throw databaseUnusable(home, path, error);
  }
}

/** Lets go of a connection from openRunDatabase: closed once its last user closes it. */
export function closeRunDatabase(db: DatabaseSync): void {
  for (const [path, open] of connections) {
    if (open.db !== db) continue;
    if (--open.users > 0) return;
    connections.delete(path);
  }
  db.close();
}

// SQLite's primary result codes (https://www.sqlite.org/rescode.html) that mean "this file is not usable as is".
const SQLITE_READONLY = 8;
const SQLITE_CORRUPT = 11;
const SQLITE_CANTOPEN = 14;
const SQLITE_NOTADB = 26;

/** Never repair, truncate or replace the file: it holds the audit log. Say what is wrong and what the person can do. */
function databaseUnusable(home: string, path: string, error: unknown): Error {
  const errcode = ((error as { errcode?: number }).errcode ?? -1) & 0xff;
  const reason = error instanceof Error ? error.message : String(error);
  if (errcode === SQLITE_CORRUPT || errcode === SQLITE_NOTADB) {
    return new UsageError(
      `the runs database ${path} is damaged or not an acr-cmk database (${reason}); acr-cmk leaves it untouched. ` +
        `Move it aside to keep it (mv ${path} ${path}.broken) and run the command again to start an empty run ` +
        "history, or set ACR_CMK_HOME to another folder.",
    );
  }
  if (errcode === SQLITE_READONLY || errcode === SQLITE_CANTOPEN) {
    return new UsageError(
      `cannot open the runs database ${path} for writing (${reason}). ` +
        `Make ${home} and the files in it writable for this user, or set ACR_CMK_HOME to a folder that is.`,
    );
  }
  return folderUnusable(home, error);
}

function migrate(db: DatabaseSync): void {
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
  inTransaction(db, () => {
    const row = db.prepare("SELECT MAX(version) AS version FROM schema_migrations").get() as { version: number | null };
    const current = row.version ?? 0;
    for (let version = current + 1; version <= MIGRATIONS.length; version++) {
      db.exec(MIGRATIONS[version - 1]!);
      db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)").run(
        version,
        new Date().toISOString(),
      );
    }
  });
}

/** BEGIN IMMEDIATE takes the write lock up front, so two processes appending to the chain cannot interleave. */
export function inTransaction<T>(db: DatabaseSync, work: () => T): T {
  if (db.isTransaction) return work();
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = work();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}

/** One asynchronous unit at a time per connection: a second would otherwise join the first one's transaction. */
const units = new WeakMap<DatabaseSync, Promise<unknown>>();

/**
 * BEGIN IMMEDIATE around `work`, which may await (the store's calls are promises). Statements other code of this
 * process sends meanwhile on the same connection join the transaction; its own units wait their turn.
 */
export function inTransactionAsync<T>(db: DatabaseSync, work: () => Promise<T>): Promise<T> {
  const previous = units.get(db) ?? Promise.resolve();
  const unit = previous.then(async () => {
    if (db.isTransaction) return work();
    db.exec("BEGIN IMMEDIATE");
    try {
      const result = await work();
      db.exec("COMMIT");
      return result;
    } catch (error) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw error;
    }
  });
  units.set(
    db,
    unit.catch(() => undefined),
  );
  return unit;
}
