// Every line a run writes and every time it records carries the run's clock (RunClock), never the machine's own
// reading of the wall clock: the host hands the clock in, so a run's log, approvals and deadlines follow the same time
// as the rest of the host (the engine's clock, a test's fixed one).
import { assign } from "xstate";
import type { RunClock } from "./protocol.js";
import type { ActionArgs, LogLevel, RunbookContext } from "./run-context.js";

/** A context update: what a named action computes from the context, the event and its params. */
export type Update<P = undefined> = (args: ActionArgs, params: P) => Partial<RunbookContext>;

// xstate's assign typing cannot follow a generated config; every updater here is typed by ActionArgs instead.
export const update = <P = undefined>(fn: Update<P>) => assign(fn as never);

export interface RunStamps {
  /** The run clock's time, as stored (ISO 8601). */
  at(): string;
  /** `log` (by default the context's) with one more line, stamped now. */
  log(context: RunbookContext, level: LogLevel, message: string, log?: RunbookContext["log"]): RunbookContext["log"];
}

export function runStamps(clock: RunClock): RunStamps {
  const at = () => clock.now().toISOString();
  return { at, log: (context, level, message, log = context.log) => [...log, { at: at(), level, message }] };
}
