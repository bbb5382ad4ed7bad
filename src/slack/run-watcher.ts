// Keeps run messages true when another process moves their runs: `acr-cmk runs resume|abort` on a host, or a second
// Slack app on the same ACR_CMK_HOME. The engine tells this process only about its own changes, so every few seconds
// the watcher compares the stored revision of each followed run (two columns by primary key) with the view its message last
// showed, and hands anything newer to the message. One timer for all runs; nothing runs while no run is followed.
import type { RunRevision, RunView, SharedRuns } from "../runs/types.js";
import type { SlackLog } from "./log.js";

export const DEFAULT_RUN_WATCH_MS = 2000;

export interface RunWatcherOptions {
  runs: SharedRuns;
  /** The newest view each followed run's message was given. */
  following(): RunView[];
  /** Shows a view that another process produced; false when the message already has it. */
  show(view: RunView): boolean;
  intervalMs?: number;
  log: SlackLog;
}

export function sameRevision(a: RunRevision, b: RunRevision): boolean {
  return a.updatedAt === b.updatedAt && a.status === b.status;
}

export class RunWatcher {
  private timer?: NodeJS.Timeout;
  private looking = false;

  constructor(private readonly options: RunWatcherOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.check(), this.options.intervalMs ?? DEFAULT_RUN_WATCH_MS);
    // The app's receiver keeps the process alive; the watcher alone never should.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One look; resolves to how many messages it updated. A look still waiting for the store skips the next one. */
  async check(): Promise<number> {
    const shown = this.options.following();
    if (shown.length === 0 || this.looking) return 0;
    this.looking = true;
    let updated = 0;
    try {
      const stored = await this.options.runs.revisions(shown.map((view) => view.id));
      for (const view of shown) {
        const revision = stored.get(view.id);
        if (!revision || sameRevision(revision, view)) continue;
        // Reloading also makes the engine let go of a copy it drove before another process took the run over.
        const now = await this.options.runs.reload(view.id);
        if (now && this.options.show(now)) updated++;
      }
    } catch (error) {
      // A busy or vanished database file: the next look tries again.
      this.options.log.warn({ error: error instanceof Error ? error.name : typeof error }, "could not check runs");
    } finally {
      this.looking = false;
    }
    return updated;
  }
}
