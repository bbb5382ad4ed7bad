// How a state config names the guards and actions of setup() (run-guards.ts, run-actions.ts), so every state builder
// spells them the same way and a misspelt name fails to compile.
import type { RUNBOOK_GUARDS } from "../run-guards.js";
import type { runbookActions } from "../run-actions.js";

type ActionName = keyof ReturnType<typeof runbookActions>;
type GuardName = keyof typeof RUNBOOK_GUARDS;

export type ActionRef = { type: ActionName; params?: Record<string, unknown> };
export type GuardRef = { type: GuardName; params?: Record<string, unknown> };

export const action = (type: ActionName, params?: Record<string, unknown>): ActionRef =>
  params === undefined ? { type } : { type, params };

export const guard = (type: GuardName, params?: Record<string, unknown>): GuardRef =>
  params === undefined ? { type } : { type, params };

/** ABORT is accepted in every non-final state and ends in `aborted`. */
export const ABORT = { target: "aborted", actions: action("abort") };
