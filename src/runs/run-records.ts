// Read-only access to runs and the audit log, for commands that need no Azure (`runs list/show`, `audit verify`).
import { openRunBackend } from "./open-store.js";
import type { AuditEntry, AuditVerdict, RunSummary, RunView } from "./types.js";

export interface RunRecords {
  list(): Promise<RunSummary[]>;
  get(runId: string): Promise<RunView | undefined>;
  auditTrail(runId: string): Promise<AuditEntry[]>;
  verifyAudit(): Promise<AuditVerdict>;
  close(): void;
}

/** `store`: ACR_CMK_STORE; unset reads the SQLite file in `home`. */
export function openRunRecords(home: string, store?: string): RunRecords {
  const backend = openRunBackend(home, store);
  const { runs, audit } = backend;
  return {
    list: () => runs.list(),
    get: async (runId) => (await runs.get(runId))?.view,
    auditTrail: (runId) => audit.trail(runId),
    verifyAudit: () => audit.verify(),
    close: () => backend.close(),
  };
}
