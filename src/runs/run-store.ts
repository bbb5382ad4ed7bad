// Runs as rows: the persisted XState snapshot (the run itself), the steps visited so far, the durable deadline as an
// absolute time, and the last RunView so `runs list/show` need no machine to answer.
import type { DatabaseSync } from "node:sqlite";
import type { RunbookId } from "../diagnosis/types.js";
import type { RunPlace, RunRevision, RunStatus, RunSummary, RunTarget, RunView } from "./types.js";
import { registryKey } from "./registry-lock.js";
import type { RunRecordStore } from "./store.js";

/** When the engine asked for the pending approval; re-stamped when a resumed run asks again. */
export interface ApprovalStamp {
  stepId: string;
  fingerprint: string;
  requestedAt: string;
  expiresAt: string;
}

export interface RunRecord {
  id: string;
  runbook: RunbookId;
  target: RunTarget;
  /** Absent for runs stored before acr-cmk recorded where a run acts. */
  place?: RunPlace;
  requester: string;
  driver: RunView["driver"];
  dryRun: boolean;
  selfApprove: boolean;
  status: RunStatus;
  snapshot: unknown;
  visited: string[];
  deadline?: string;
  approval?: ApprovalStamp;
  /** The runbook crashed on an internal error (a bug, not an Azure failure): the run has ended, with this message. */
  crashed?: string;
  /** See StartRunParams.presetChoices. */
  presetChoices?: string[];
  view: RunView;
  startedAt: string;
  updatedAt: string;
}

interface RunRow {
  id: string;
  runbook: string;
  target: string;
  place: string | null;
  requester: string;
  driver: string;
  dry_run: number;
  self_approve: number;
  status: string;
  snapshot: string | null;
  visited: string;
  deadline: string | null;
  approval: string | null;
  crashed: string | null;
  preset_choices: string | null;
  view: string;
  started_at: string;
  updated_at: string;
}

function fromRow(row: RunRow): RunRecord {
  return {
    id: row.id,
    runbook: row.runbook as RunbookId,
    target: JSON.parse(row.target) as RunTarget,
    ...(row.place ? { place: JSON.parse(row.place) as RunPlace } : {}),
    requester: row.requester,
    driver: row.driver as RunView["driver"],
    dryRun: row.dry_run === 1,
    selfApprove: row.self_approve === 1,
    status: row.status as RunStatus,
    snapshot: row.snapshot === null ? null : (JSON.parse(row.snapshot) as unknown),
    visited: JSON.parse(row.visited) as string[],
    ...(row.deadline ? { deadline: row.deadline } : {}),
    ...(row.approval ? { approval: JSON.parse(row.approval) as ApprovalStamp } : {}),
    ...(row.crashed != null ? { crashed: row.crashed } : {}),
    ...(row.preset_choices != null ? { presetChoices: JSON.parse(row.preset_choices) as string[] } : {}),
    view: JSON.parse(row.view) as RunView,
    startedAt: row.started_at,
    updatedAt: row.updated_at,
  };
}

export class RunStore implements RunRecordStore {
  constructor(private readonly db: DatabaseSync) {}

  async save(record: RunRecord): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO runs (id, runbook, registry_key, target, place, requester, driver, dry_run, self_approve, status,
           snapshot, visited, deadline, approval, crashed, preset_choices, view, started_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, snapshot = excluded.snapshot,
           self_approve = excluded.self_approve, visited = excluded.visited, deadline = excluded.deadline,
           approval = excluded.approval, crashed = excluded.crashed,
           preset_choices = excluded.preset_choices, view = excluded.view, updated_at = excluded.updated_at,
           place = COALESCE(runs.place, excluded.place)`,
      )
      .run(
        record.id,
        record.runbook,
        registryKey(record.target),
        JSON.stringify(record.target),
        record.place ? JSON.stringify(record.place) : null,
        record.requester,
        record.driver,
        record.dryRun ? 1 : 0,
        record.selfApprove ? 1 : 0,
        record.status,
        record.snapshot === null ? null : JSON.stringify(record.snapshot),
        JSON.stringify(record.visited),
        record.deadline ?? null,
        record.approval ? JSON.stringify(record.approval) : null,
        record.crashed ?? null,
        record.presetChoices ? JSON.stringify(record.presetChoices) : null,
        JSON.stringify(record.view),
        record.startedAt,
        record.updatedAt,
      );
  }

  async get(id: string): Promise<RunRecord | undefined> {
    const row = this.db.prepare("SELECT * FROM runs WHERE id = ?").get(id) as RunRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Two columns per run, found by primary key: cheap enough for drivers that poll for runs another process moved. */
  async revisions(ids: readonly string[]): Promise<Map<string, RunRevision>> {
    const rows = this.db
      .prepare("SELECT id, updated_at, status FROM runs WHERE id IN (SELECT value FROM json_each(?))")
      .all(JSON.stringify(ids)) as unknown as Array<Pick<RunRow, "id" | "updated_at" | "status">>;
    return new Map(rows.map((row) => [row.id, { updatedAt: row.updated_at, status: row.status as RunStatus }]));
  }

  async list(): Promise<RunSummary[]> {
    const rows = this.db
      .prepare(
        "SELECT id, runbook, target, requester, status, started_at, updated_at FROM runs ORDER BY started_at DESC, id",
      )
      .all() as unknown as RunRow[];
    return rows.map((row) => ({
      id: row.id,
      runbook: row.runbook as RunbookId,
      target: JSON.parse(row.target) as RunTarget,
      requester: row.requester,
      status: row.status as RunStatus,
      startedAt: row.started_at,
      updatedAt: row.updated_at,
    }));
  }
}
