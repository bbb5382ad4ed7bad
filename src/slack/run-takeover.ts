// With more than one replica, a replica that dies (kill -9, a lost node) leaves its runs mid-step with nobody driving
// them. Every replica looks every few seconds for runs that are working (not waiting for a person, not ended) and tries
// to pick each up: the registry lock decides. A live holder keeps its lock and the try is refused; a dead holder's
// lock has lapsed (its lease ran out, or its pid is gone), so one replica wins it and resumes the run from its last
// persisted snapshot. The runbooks look before they change, so a change the dead replica had sent is not repeated.
import { RunRefused, type RunEngine, type RunSummary } from "../runs/types.js";
import type { SlackLog } from "./log.js";

export const DEFAULT_TAKEOVER_MS = 15_000;
/** Who the audit log names for a run picked up from a replica that stopped driving it. */
export const TAKEOVER_ACTOR = "acr-cmk";

export interface RunTakeoverOptions {
  engine: RunEngine;
  intervalMs?: number;
  /** Called with each run this replica took over (to follow its message). */
  taken(runId: string): void;
  log: SlackLog;
}

function needsDriver(run: RunSummary): boolean {
  return run.status === "running" || run.status === "waiting";
}

export class RunTakeover {
  private timer?: NodeJS.Timeout;
  private sweeping = false;

  constructor(private readonly options: RunTakeoverOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweep(), this.options.intervalMs ?? DEFAULT_TAKEOVER_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One look; resolves to the ids of the runs taken over. */
  async sweep(): Promise<string[]> {
    if (this.sweeping) return [];
    this.sweeping = true;
    const taken: string[] = [];
    try {
      for (const run of (await this.options.engine.list()).filter(needsDriver)) {
        // Looked at again just before: a run that has since stopped to wait for a person needs no driver.
        const now = await this.options.engine.get(run.id);
        if (!now || !needsDriver(now)) continue;
        try {
          const since = new Date().toISOString();
          // Only a run nobody drives: a live replica that just asked a person keeps its run.
          await this.options.engine.resume(run.id, TAKEOVER_ACTOR, { abandonedOnly: true });
          // Resuming a run this replica drives already changes nothing; a run picked up is audited as resumed.
          if (!(await this.resumedSince(run.id, since))) continue;
          taken.push(run.id);
          this.options.log.info({ runId: run.id }, "took over a run whose replica stopped driving it");
          this.options.taken(run.id);
        } catch (error) {
          // Held by a live replica (or ended meanwhile): not ours to drive.
          if (!(error instanceof RunRefused)) throw error;
        }
      }
    } catch (error) {
      this.options.log.warn(
        { error: error instanceof Error ? error.name : typeof error },
        "could not look for runs to take over",
      );
    } finally {
      this.sweeping = false;
    }
    return taken;
  }

  private async resumedSince(runId: string, since: string): Promise<boolean> {
    return (await this.options.engine.auditTrail(runId)).some(
      (entry) => entry.action === "run-resume" && entry.actor === TAKEOVER_ACTOR && entry.at >= since,
    );
  }
}
