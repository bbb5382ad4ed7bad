// What a generated runbook machine keeps and receives: its context (the run itself, JSON only) and the events its
// named guards and actions read.
import type { InputRequest } from "./meta.js";
import type { RunbookContextBase, RunbookEvent } from "./protocol.js";
import type { RunFacts } from "./facts.js";
import type { ChangePlan, StepOutput } from "./steps.js";

export interface RunbookContext extends RunbookContextBase {
  startedAt: string;
  facts: RunFacts;
  /** Plans for approval states, by change step id. */
  plans: Record<string, ChangePlan>;
  /** Alternative plans an input or approval may switch to. */
  candidates: Record<string, ChangePlan>;
  /** Options for input states, by input step id. */
  inputs: Record<string, InputRequest>;
  /** The operator's answers, by input step id. */
  choices: Record<string, string>;
  /** Who approved which change, and the fingerprint they saw. */
  approved: Record<string, { by: string; at: string; fingerprint: string }>;
  /** What the run could not do as a person asked (see StepOutput.caveat): said again in its final summary. */
  caveats?: string[];
}

/** An invoked step actor finished (`xstate.done.actor.<step>`). */
export type DoneEvent = { type: string; output: StepOutput };
/** An invoked step actor threw (`xstate.error.actor.<step>`). */
export type ErrorEvent = { type: string; error: unknown };
export type AnyEvent = RunbookEvent | DoneEvent | ErrorEvent;
export type EventOf<T extends RunbookEvent["type"]> = Extract<RunbookEvent, { type: T }>;

/** What every named guard and action of a runbook machine is called with. */
export type ActionArgs = { context: RunbookContext; event: AnyEvent };

export type LogLevel = RunbookContext["log"][number]["level"];
