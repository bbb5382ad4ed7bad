// The timers of one live run. Every deadline is an absolute time stored with the run (the machine's context.deadline,
// the approval's expiresAt), so a run picked up after a crash re-arms them from there: XState's own `after` timers
// would not survive a restore.

/** setTimeout's ceiling; longer deadlines are re-armed in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface RunTimerHandlers {
  now(): Date;
  /** A durable wait (rotation pickup) should look again. */
  onPoll(): void;
  /** context.deadline has passed. */
  onDeadline(): void;
  /** The approval request's expiresAt has passed. */
  onApprovalExpired(): void;
}

/** What the run's timers should follow right now. */
export interface TimerState {
  deadline?: string;
  /** The machine is in a durable wait. */
  waiting: boolean;
  approvalExpiresAt?: string;
}

export class RunTimers {
  private deadlineTimer?: NodeJS.Timeout;
  private armedDeadline?: string;
  private expiryTimer?: NodeJS.Timeout;
  private armedExpiry?: string;
  private pollTimer?: NodeJS.Timeout;

  constructor(
    private readonly pollIntervalMs: number,
    private readonly handlers: RunTimerHandlers,
  ) {}

  /** Arms, re-arms or clears each timer so it matches `state`; unchanged deadlines keep their timers. */
  sync(state: TimerState): void {
    if (state.approvalExpiresAt !== this.armedExpiry) {
      if (this.expiryTimer) clearTimeout(this.expiryTimer);
      this.expiryTimer = undefined;
      this.armedExpiry = state.approvalExpiresAt;
      if (state.approvalExpiresAt !== undefined) this.armExpiry(state.approvalExpiresAt);
    }
    if (state.deadline !== this.armedDeadline) {
      if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
      this.deadlineTimer = undefined;
      this.armedDeadline = state.deadline;
      if (state.deadline !== undefined) this.armDeadline(state.deadline);
    }
    if (state.waiting && !this.pollTimer) {
      this.pollTimer = setInterval(() => this.handlers.onPoll(), this.pollIntervalMs);
    } else if (!state.waiting && this.pollTimer) {
      clearInterval(this.pollTimer);
      this.pollTimer = undefined;
    }
  }

  clear(): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.deadlineTimer = undefined;
    this.pollTimer = undefined;
    this.expiryTimer = undefined;
    this.armedDeadline = undefined;
    this.armedExpiry = undefined;
  }

  private armDeadline(deadline: string): void {
    const delay = Math.max(0, Date.parse(deadline) - this.handlers.now().getTime());
    this.deadlineTimer = setTimeout(
      () => {
        this.deadlineTimer = undefined;
        if (this.armedDeadline !== deadline) return;
        if (Date.parse(deadline) > this.handlers.now().getTime()) this.armDeadline(deadline);
        else this.handlers.onDeadline();
      },
      Math.min(delay, MAX_TIMER_MS),
    );
  }

  private armExpiry(expiresAt: string): void {
    // One millisecond past it: the policy refuses only after `expiresAt`, and drivers re-render on this notice.
    const delay = Math.max(0, Date.parse(expiresAt) + 1 - this.handlers.now().getTime());
    this.expiryTimer = setTimeout(
      () => {
        this.expiryTimer = undefined;
        if (this.armedExpiry !== expiresAt) return;
        if (Date.parse(expiresAt) >= this.handlers.now().getTime()) this.armExpiry(expiresAt);
        else this.handlers.onApprovalExpired();
      },
      Math.min(delay, MAX_TIMER_MS),
    );
    // Only a driver waiting for a person keeps the process alive, never an expiry on its own.
    this.expiryTimer.unref();
  }
}
