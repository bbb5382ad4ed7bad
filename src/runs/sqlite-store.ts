// The local store: one node:sqlite file in ACR_CMK_HOME holds runs, locks and the audit chain for this machine.
import { join } from "node:path";
import { AuditLog } from "./audit-log.js";
import { closeRunDatabase, DATABASE_FILE, inTransactionAsync, openRunDatabase } from "./database.js";
import { RegistryLocks } from "./registry-lock.js";
import { RunStore } from "./run-store.js";
import type { RunBackend } from "./store.js";

export function openSqliteBackend(home: string): RunBackend {
  const db = openRunDatabase(home);
  let closed = false;
  // Not history: keys claimed once (Slack announcements, message links), kept outside the migrations.
  const claims = () => {
    db.exec("CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, value TEXT NOT NULL, at TEXT NOT NULL)");
    return db;
  };
  return {
    name: join(home, DATABASE_FILE),
    runs: new RunStore(db),
    audit: new AuditLog(db),
    locks: (ttlMs, now) => new RegistryLocks(db, ttlMs, now),
    // One transaction, whatever the scope: SQLite's write lock spans the file, so no other process decides meanwhile.
    exclusive: (_scope, work) => inTransactionAsync(db, work),
    claimOnce: async (key, value = "") => {
      const result = claims()
        .prepare("INSERT INTO claims (key, value, at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING")
        .run(key, value, new Date().toISOString());
      return Number(result.changes) === 1;
    },
    claimedValue: async (key) =>
      (claims().prepare("SELECT value FROM claims WHERE key = ?").get(key) as { value: string } | undefined)?.value,
    operations: () => 0,
    close: () => {
      // Once per backend: the connection may be shared with other engines of this process.
      if (closed) return;
      closed = true;
      closeRunDatabase(db);
    },
  };
}
