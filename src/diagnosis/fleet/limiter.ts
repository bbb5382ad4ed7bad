// Bounded, adaptive concurrency for the fleet scan (additive increase, multiplicative decrease): start at a few checks
// in flight, add one while Resource Manager reports reads to spare, halve on a 429, and slow down as the subscription's
// remaining reads run low (https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling).
// It gates HTTP attempts (src/azure's gate policy); the SDK itself waits out each 429's Retry-After and retries, and
// holds no slot while it waits. This only decides how many requests are in flight at once.

export interface LimiterOptions {
  initial?: number;
  min?: number;
  max?: number;
  /** Below this many remaining subscription reads, stop adding and step down. */
  lowReads?: number;
}

export interface LimiterStats {
  /** Most tasks that ran at once. */
  peak: number;
  /** The limit when the scan ended. */
  limit: number;
  /** 429 answers seen (each retried by the SDK). */
  throttled: number;
  /** Lowest `x-ms-ratelimit-remaining-subscription-reads` seen, if any was sent. */
  lowestRemainingReads: number | null;
}

export class AdaptiveLimiter {
  private limit: number;
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly min: number;
  private readonly max: number;
  private readonly lowReads: number;
  private successesSinceChange = 0;
  private readonly stats: LimiterStats;

  constructor(options: LimiterOptions = {}) {
    this.min = Math.max(1, options.min ?? 1);
    this.max = Math.max(this.min, options.max ?? 32);
    this.limit = Math.min(this.max, Math.max(this.min, options.initial ?? 8));
    this.lowReads = options.lowReads ?? 50;
    this.stats = { peak: 0, limit: this.limit, throttled: 0, lowestRemainingReads: null };
  }

  /** Until then no slot is handed out: a 429's Retry-After holds back every request, not only the one refused. */
  private pausedUntil = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** Feed every HTTP response here (status, remaining reads, and a 429's Retry-After). */
  observe(status: number, remainingReads?: number, retryAfterMs?: number): void {
    if (remainingReads !== undefined) {
      const lowest = this.stats.lowestRemainingReads;
      this.stats.lowestRemainingReads = lowest === null ? remainingReads : Math.min(lowest, remainingReads);
    }
    if (status === 429) {
      this.stats.throttled += 1;
      if (retryAfterMs !== undefined) this.pausedUntil = Math.max(this.pausedUntil, Date.now() + retryAfterMs);
      this.setLimit(Math.floor(this.limit / 2));
      return;
    }
    if (remainingReads !== undefined && remainingReads < this.lowReads) {
      this.setLimit(this.limit - 1);
      return;
    }
    if (status > 0 && status < 400) {
      this.successesSinceChange += 1;
      if (this.successesSinceChange >= this.limit) this.setLimit(this.limit + 1);
    }
  }

  private setLimit(next: number): void {
    this.limit = Math.min(this.max, Math.max(this.min, next));
    this.stats.limit = this.limit;
    this.successesSinceChange = 0;
    this.pump();
  }

  private pump(): void {
    const wait = this.pausedUntil - Date.now();
    if (wait > 0 && this.waiting.length > 0) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, wait);
      return;
    }
    while (this.active < this.limit && this.waiting.length > 0) {
      this.active += 1;
      this.stats.peak = Math.max(this.stats.peak, this.active);
      this.waiting.shift()?.();
    }
  }

  /** A slot for one HTTP attempt (the Azure port's gate); its release reports the answer. */
  async acquire(): Promise<(status: number, remainingReads?: number, retryAfterMs?: number) => void> {
    await new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      this.pump();
    });
    let released = false;
    return (status, remainingReads, retryAfterMs) => {
      if (released) return;
      released = true;
      this.active -= 1;
      this.observe(status, remainingReads, retryAfterMs);
      this.pump();
    };
  }

  /** Runs a task in a slot (no answer to observe: for bounding work, not requests). */
  async run<T>(task: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await task();
    } finally {
      release(200);
    }
  }

  snapshot(): LimiterStats {
    return { ...this.stats };
  }
}
