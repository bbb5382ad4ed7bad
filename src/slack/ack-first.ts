// Slack allows three seconds to acknowledge a request. In a burst (an incident channel where many people type at
// once) the Azure work of the first commands must not hold up the acknowledgements of the rest: work that follows an
// ack waits until requests have stopped arriving for a moment, and never longer than a cap, so a steady stream of
// requests cannot starve it. Arrivals are counted by a global Bolt middleware (see app.ts).
import { performance } from "node:perf_hooks";

export interface AckFirstOptions {
  /** How long no request may have arrived before work starts (default 10 ms; a burst arrives far closer). */
  quietMs?: number;
  /** The longest work waits after asking (default 200 ms; Azure calls take longer than that anyway). */
  maxDelayMs?: number;
  now?: () => number;
}

interface Waiter {
  release: () => void;
  latest: number;
}

export class AckFirst {
  private lastArrival = Number.NEGATIVE_INFINITY;
  private waiting: Waiter[] = [];
  private timer?: NodeJS.Timeout;
  private readonly quietMs: number;
  private readonly maxDelayMs: number;
  private readonly now: () => number;

  constructor(options: AckFirstOptions = {}) {
    this.quietMs = options.quietMs ?? 10;
    this.maxDelayMs = options.maxDelayMs ?? 200;
    this.now = options.now ?? (() => performance.now());
  }

  /** A request arrived and is about to be acknowledged. */
  arrived(): void {
    this.lastArrival = this.now();
  }

  /** Resolves when it is this work's turn: requests have paused, or the cap has passed. */
  turn(): Promise<void> {
    return new Promise((release) => {
      this.waiting.push({ release, latest: this.now() + this.maxDelayMs });
      this.schedule();
    });
  }

  /** One timer for all waiters, set for the moment the quiet spell would end or the earliest cap passes. */
  private schedule(): void {
    if (this.timer) return;
    const now = this.now();
    const quietAt = Math.max(this.lastArrival + this.quietMs, now);
    const capAt = Math.min(...this.waiting.map((waiter) => waiter.latest));
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.drain();
      },
      Math.max(1, Math.min(quietAt, capAt) - now),
    );
  }

  private drain(): void {
    const now = this.now();
    const quiet = now - this.lastArrival >= this.quietMs;
    const ready = this.waiting.filter((waiter) => quiet || now >= waiter.latest);
    this.waiting = this.waiting.filter((waiter) => !ready.includes(waiter));
    for (const waiter of ready) waiter.release();
    if (this.waiting.length > 0) this.schedule();
  }
}
