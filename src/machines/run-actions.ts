// Every named action a runbook machine runs (setup({ actions })), over the run's clock: how a run starts, waits with
// a deadline, gives up at it and ends, plus what steps and people write (step-actions.ts, person-actions.ts).
// `machineWithClock` provides these again over another clock.
import { runbookTitle } from "../runbooks/catalogue.js";
import { fillAz } from "./az.js";
import { personActions } from "./person-actions.js";
import type { RunClock } from "./protocol.js";
import { runStamps, update } from "./run-log.js";
import { stepActions } from "./step-actions.js";
import { FINAL_META, type RunbookSpec, type StepSpec } from "./steps.js";
import { targetPath } from "./target.js";

export type FinalStateId = keyof typeof FINAL_META;

export function runbookActions(spec: RunbookSpec, clock: RunClock) {
  const stamps = runStamps(clock);
  return {
    ...stepActions(spec, stamps),
    ...personActions(spec, stamps),

    /** The run's first record: when it started, by whom, for which registry. */
    startRun: update(({ context }) => {
      const at = stamps.at();
      const { requester, target } = context;
      const message = `${runbookTitle(spec.id)}: started by ${requester} for ${targetPath(target)}`;
      return { startedAt: at, log: [{ at, level: "info" as const, message }] };
    }),

    /** The deadline is absolute and stored: the engine re-arms it after a restart (no `after` timers). */
    startDeadline: update<{ deadlineMs: number }>(({ context }, { deadlineMs }) =>
      context.deadline ? {} : { deadline: new Date(clock.now().getTime() + deadlineMs).toISOString() },
    ),

    /** The engine's DEADLINE: the wait that leads to `target` gives up with its own summary and next steps. */
    deadlinePassed: update<{ target: string }>(({ context }, { target }) => {
      const waitStep = spec.steps.find(
        (s): s is Extract<StepSpec, { type: "wait" }> => s.type === "wait" && s.onDeadline === target,
      );
      return {
        deadline: undefined,
        outcome: {
          summary: `${waitStep?.timeout.summary ?? "The wait passed its deadline."} (deadline ${context.deadline ?? "unknown"})`,
          nextSteps: (waitStep?.timeout.nextSteps ?? []).map((line) =>
            fillAz(line, context.target, context.facts, { "acr-cmk": context.invocation ?? "acr-cmk" }),
          ),
        },
        log: stamps.log(context, "error", `Deadline ${context.deadline ?? ""} passed`),
      };
    }),

    /** A final state without an outcome from the step that led there says what that end means. */
    settleOutcome: update<{ id: FinalStateId }>(({ context }, { id }) =>
      context.outcome
        ? {}
        : {
            outcome: {
              summary: [id === "succeeded" ? spec.succeeded : FINAL_META[id].why, ...(context.caveats ?? [])].join(" "),
              nextSteps: [],
            },
          },
    ),
  };
}
