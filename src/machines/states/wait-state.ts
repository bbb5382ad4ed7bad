// A durable wait: on first entry it stores an absolute deadline (the engine re-arms it after a restart; no `after`
// timers), POLL looks again through the poll step, DEADLINE gives up with the wait's own summary.
import type { WaitStep } from "../steps.js";
import { ABORT, action } from "./refs.js";

export function waitState(step: WaitStep): Record<string, unknown> {
  return {
    description: step.meta.why,
    meta: step.meta,
    tags: ["wait"],
    entry: action("startDeadline", { deadlineMs: step.deadlineMs }),
    on: {
      POLL: { target: step.poll },
      DEADLINE: { target: step.onDeadline, actions: action("deadlinePassed", { target: step.onDeadline }) },
      ABORT,
    },
  };
}
