// One serial queue per run. XState's callbacks are synchronous and the store's calls are promises, so the live-run loop
// hands every write of a run (its saves, its audit entries, its lock's release) to the run's queue: they leave in the
// order its machine produced them, each after the one before has landed, while other runs' writes go on beside them.
// The engine serialises its actions on a run (approve, reject, ...) the same way, in a queue of their own.

export class RunQueues {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `work` once every write queued before it for `runId` has landed (or failed); settles as `work` does. */
  run<T>(runId: string, work: () => Promise<T>): Promise<T> {
    const next = (this.tails.get(runId) ?? Promise.resolve()).then(work);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(runId, tail);
    void tail.then(() => {
      if (this.tails.get(runId) === tail) this.tails.delete(runId);
    });
    return next;
  }

  /** Resolves once everything queued so far for `runId` has settled. */
  flushed(runId: string): Promise<void> {
    return this.tails.get(runId) ?? Promise.resolve();
  }

  /** Resolves once every run's queue is empty. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}
