// Aborting a run whose place is gone (its sandbox state file deleted or replaced by `sandbox init`, or an in-memory
// sandbox whose process ended). No machine can run there any more, and none is needed: an abort changes nothing in
// Azure. The run is closed in the store and the audit log, with why, so it no longer sits in `runs list` for ever.
import { openRunBackend } from "./open-store.js";
import { registryKey } from "./registry-lock.js";
import { journalOf, type Clock } from "./run-journal.js";
import { hasEnded } from "./run-status.js";
import { RunRefused, type RunView } from "./types.js";

export interface OrphanAbort {
  runId: string;
  by: string;
  reason: string;
  /** Why the run's place is gone, in words (recorded with the abort). */
  placeGone: string;
  clock?: Clock;
}

/** `store`: ACR_CMK_STORE; unset = the SQLite file in `home`. */
export async function abortOrphanedRun(home: string, abort: OrphanAbort, storeSetting?: string): Promise<RunView> {
  const clock = abort.clock ?? { now: () => new Date() };
  const backend = openRunBackend(home, storeSetting);
  try {
    const store = backend.runs;
    const write = journalOf(backend.audit, clock);
    return await backend.exclusive(abort.runId, async () => {
      const record = await store.get(abort.runId);
      if (!record) throw new RunRefused(`No run with id ${abort.runId}.`, "unknown-run");
      if (record.status === "aborted") return record.view;
      if (hasEnded(record.status) || record.crashed !== undefined) {
        throw new RunRefused(`Run ${record.id} has ended (${record.status}); it takes no more events.`, "final");
      }
      const now = clock.now();
      const holder = await backend.locks(0, () => now).holder(registryKey(record.target));
      if (holder?.runId === record.id && Date.parse(holder.expiresAt) > now.getTime()) {
        throw new RunRefused(
          `Run ${record.id} is still driven by pid ${holder.ownerPid} on ${holder.ownerHost}; stop that process first.`,
          "locked",
        );
      }
      await write(
        { runId: record.id, actor: abort.by, action: "abort", outcome: "requested" },
        {
          reason: abort.reason,
          placeGone: abort.placeGone,
        },
      );
      record.status = "aborted";
      record.approval = undefined;
      record.updatedAt = now.toISOString();
      record.view = {
        ...record.view,
        status: "aborted",
        busy: false,
        steps: record.view.steps.map((step) =>
          step.status === "current"
            ? { ...step, status: "skipped" }
            : step.status === "pending"
              ? { ...step, status: "skipped" }
              : step,
        ),
        approval: undefined,
        input: undefined,
        error: undefined,
        outcome: {
          summary:
            `Aborted by ${abort.by}: ${abort.reason}. ${abort.placeGone}, so no runbook ran for this abort and ` +
            `nothing in Azure changed.`,
          nextSteps: [],
        },
        updatedAt: record.updatedAt,
      };
      await store.save(record);
      await write(
        { runId: record.id, actor: abort.by, action: "run-end", outcome: "aborted" },
        { state: record.view.currentStepId ?? null, summary: record.view.outcome!.summary },
      );
      return record.view;
    });
  } finally {
    backend.close();
  }
}
