// The local store: one node:sqlite file in ACR_CMK_HOME holds runs, locks and the audit chain for this machine.
import { join } from "node:path";
import { AuditLog } from "./audit-log.js";
import { DATABASE_FILE, inTransaction, openRunDatabase } from "./database.js";
import { RegistryLocks } from "./registry-lock.js";
import { RunStore } from "./run-store.js";
import type { RunBackend } from "./store.js";

export function openSqliteBackend(home: string): RunBackend {
  const db = openRunDatabase(home);
  return {
    name: join(home, DATABASE_FILE),
    runs: new RunStore(db),
    audit: new AuditLog(db),
    locks: (ttlMs, now) => new RegistryLocks(db, ttlMs, now),
    exclusive: (work) => inTransaction(db, work),
    operations: () => 0,
    close: () => db.close(),
  };
}
