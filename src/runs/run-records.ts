// Read-only access to runs and the audit log, for commands that need no Azure (`runs list/show`, `audit verify`).
import type { DatabaseSync } from "node:sqlite";
import { AuditLog } from "./audit-log.js";
import { openRunDatabase } from "./database.js";
import { RunStore } from "./run-store.js";
import type { AuditEntry, RunSummary, RunView } from "./types.js";

export interface RunRecords {
  list(): RunSummary[];
  get(runId: string): RunView | undefined;
  auditTrail(runId: string): AuditEntry[];
  verifyAudit(): { ok: boolean; entries: number; brokenAt?: number };
  close(): void;
}

export function openRunRecords(home: string): RunRecords {
  const db: DatabaseSync = openRunDatabase(home);
  const store = new RunStore(db);
  const audit = new AuditLog(db);
  return {
    list: () => store.list(),
    get: (runId) => store.get(runId)?.view,
    auditTrail: (runId) => audit.trail(runId),
    verifyAudit: () => audit.verify(),
    close: () => db.close(),
  };
}
