// Slack redelivers a request it thinks went unanswered, and people double-click. Each click is remembered by a key
// (user + action_ts, or the view id) for a while, so the same click is acted on once. The engine's own
// fingerprint + state check is the second line: a change step runs once even if two different clicks get through.
export class ClickDedupe {
  private readonly seenAt = new Map<string, number>();

  constructor(
    private readonly now: () => Date,
    /** Slack retries within minutes; remembering a click for 30 minutes is plenty. */
    private readonly ttlMs = 30 * 60_000,
    private readonly capacity = 10_000,
  ) {}

  /** True the first time a key is seen (act on it), false for a repeat (ignore it). */
  first(key: string): boolean {
    const now = this.now().getTime();
    this.evict(now);
    if (this.seenAt.has(key)) return false;
    this.seenAt.set(key, now);
    return true;
  }

  private evict(now: number): void {
    // Map keeps insertion order, so the oldest keys come first.
    for (const [key, at] of this.seenAt) {
      if (now - at <= this.ttlMs && this.seenAt.size < this.capacity) break;
      this.seenAt.delete(key);
    }
  }
}

/** Runs the actions on one run one after another, so a second click sees what the first one did. */
export class PerRunQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(runId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(runId) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.catch(() => undefined);
    this.tails.set(runId, tail);
    void tail.then(() => {
      if (this.tails.get(runId) === tail) this.tails.delete(runId);
    });
    return next;
  }
}
