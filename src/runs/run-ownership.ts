// Run ownership: one active run per registry, and which process drives it. A process owns a run while it holds the
// registry's lock (kept alive by heartbeats); a run that waits for a person may be taken over by another process.
import type { AzurePlace } from "../azure/types.js";
import { requestLapsesAt } from "./approval-policy.js";
import { targetKind, targetName } from "../machines/target.js";
import { registryKey } from "./registry-lock.js";
import { ENGINE_ACTOR, type Journal } from "./run-journal.js";
import { continueHint, invocationIn } from "./run-place.js";
import { waitsForPerson } from "./run-status.js";
import type { LockTable, RunRecordStore } from "./store.js";
import { RunRefused, type RunPlace, type RunStatus, type RunTarget } from "./types.js";

/** What ownership needs to know of a run this process drives. */
export interface DrivenRun {
  record: { id: string; target: RunTarget; status: RunStatus; requester: string; place?: RunPlace };
  stopped: boolean;
  /** The run's machine has ended (or crashed) in this process. */
  endedNow(): boolean;
}

/** "Registry acrprod is busy" or "Container group ci-web is busy": the resource a run holds, by its kind. */
function busy(target: RunTarget): string {
  const kind = targetKind(target);
  return `${kind.charAt(0).toUpperCase()}${kind.slice(1)} ${targetName(target)} is busy`;
}

export class RunOwnership {
  constructor(
    private readonly store: RunRecordStore,
    private readonly locks: LockTable,
    private readonly write: Journal,
    private readonly connectedPlace: AzurePlace,
    private readonly approvalTtlMs: number,
    /** Whether the run's pending request has been approved: its holder is about to act on it. */
    private readonly approvedAlready: (runId: string, stepId: string, fingerprint: string) => Promise<boolean>,
  ) {}

  /**
   * One active run per registry. The lock covers runs a process is driving; a run that has asked a person to approve
   * or choose is active too, even when no process drives it (the CLI exited, Slack waits for an approver): a second
   * run would change the state that request was computed from. Such a request lapses with the approval TTL.
   */
  async refuseWhileAnotherRunIsActive(key: string, now: Date, driven: Iterable<DrivenRun>): Promise<void> {
    // A run this process drives holds its registry until its machine ends: one stopped at an error waits for RETRY.
    for (const run of driven) {
      if (!run.stopped && registryKey(run.record.target) === key && !run.endedNow()) {
        throw this.busyWith(
          run.record.target,
          run.record.id,
          run.record.status,
          run.record.requester,
          run.record.place,
        );
      }
    }
    for (const run of await this.store.list()) {
      if (registryKey(run.target) !== key) continue;
      if (run.status !== "awaiting-approval" && run.status !== "awaiting-input") continue;
      const stored = await this.store.get(run.id);
      if (requestLapsesAt(stored?.approval, run.updatedAt, this.approvalTtlMs).getTime() > now.getTime())
        throw this.busyWith(run.target, run.id, run.status, run.requester, stored?.place);
    }
  }

  /**
   * Takes the lock on `target` (its `key`) for `runId`, or refuses with who holds it and how to go on. With
   * `handOver` (a person acting on the run), a live holder's run that waits for a person is taken from it.
   */
  async lock(key: string, runId: string, target: RunTarget, options: { handOver?: boolean } = {}): Promise<void> {
    const handOver = options.handOver ?? true;
    const result = await this.locks.acquire(key, runId, {
      // Read inside the lock's transaction. A holder that was about to start a change finds its lock gone before the
      // Azure write leaves (beforeWrite), so the change never runs in two places.
      takeOver: async (holder) => {
        const stored = handOver && holder.runId === runId ? await this.store.get(runId) : undefined;
        if (stored === undefined || !waitsForPerson({ status: stored.status, error: stored.view.error })) return false;
        // Approved in the holder's process, whose next write (the run moving on) may not have landed yet: still theirs.
        const pending = stored.status === "awaiting-approval" ? stored.approval : undefined;
        return pending === undefined || !(await this.approvedAlready(runId, pending.stepId, pending.fingerprint));
      },
    });
    if (result.acquired) {
      if (result.handedOver) {
        await this.write(
          { runId, actor: ENGINE_ACTOR, action: "lock-handover", outcome: "taken over while waiting for a person" },
          { ownerPid: result.takenOverFrom?.ownerPid, ownerHost: result.takenOverFrom?.ownerHost },
        );
      } else if (result.takenOverFrom && result.takenOverFrom.runId !== runId) {
        await this.write(
          { runId, actor: ENGINE_ACTOR, action: "lock-takeover", outcome: "stale lock taken over" },
          {
            from: result.takenOverFrom.runId,
            ownerPid: result.takenOverFrom.ownerPid,
            ownerHost: result.takenOverFrom.ownerHost,
            expiresAt: result.takenOverFrom.expiresAt,
          },
        );
      }
      return;
    }
    const { holder } = result;
    throw new RunRefused(
      `${busy(target)}: run ${holder.runId} (pid ${holder.ownerPid} on ${holder.ownerHost}) is working on it until ` +
        `${holder.expiresAt} unless it keeps its lock alive. Wait for it, or resume it: ` +
        `${invocationIn(this.connectedPlace)} runs resume ${holder.runId}`,
      "locked",
    );
  }

  /** Whether this process still holds `key` (keeping it alive). */
  async holds(key: string): Promise<boolean> {
    return (await this.locks.heartbeat([key])).length === 0;
  }

  /** Keeps these locks alive; returns the ones another process took over. */
  heartbeat(keys: string[]): Promise<string[]> {
    return this.locks.heartbeat(keys);
  }

  release(key: string, runId: string): Promise<void> {
    return this.locks.release(key, runId);
  }

  private busyWith(
    target: RunTarget,
    runId: string,
    status: RunStatus,
    requester: string,
    place?: RunPlace,
  ): RunRefused {
    const waitsFor =
      status === "awaiting-approval"
        ? "waits for approval"
        : status === "awaiting-input"
          ? "waits for a choice"
          : status === "failed"
            ? "stopped at an error and waits for a retry"
            : status;
    return new RunRefused(
      `${busy(target)}: run ${runId} (requested by ${requester}) ${waitsFor}. ` +
        `${continueHint(runId, place ?? this.connectedPlace)}, or stop it with ` +
        `${invocationIn(place ?? this.connectedPlace)} runs abort ${runId} --reason <why> ` +
        `(in Slack: the run's Abort button, or /acr-cmk abort ${runId} <why>).`,
      "locked",
    );
  }
}
