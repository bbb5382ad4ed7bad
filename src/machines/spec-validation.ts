// A runbook's step list is checked once, when its module loads: a target that names no state, a change without its
// approval, or a wait without a deadline is a programming error that must never reach a run.
import { FINAL_STATE_IDS } from "./protocol.js";
import type { RunbookSpec, StepSpec } from "./steps.js";

/** The states a step can send the run to. */
export function targetsOf(step: StepSpec): string[] {
  switch (step.type) {
    case "invoke":
      return [...Object.values(step.on), ...(step.deadlineTarget ? [step.deadlineTarget] : [])];
    case "approval":
      return [step.change];
    case "change":
      return [step.next, step.recheck, ...(step.refused ? [step.refused] : [])];
    case "input":
      return [...Object.values(step.on), ...(step.otherwise ? [step.otherwise] : [])];
    case "wait":
      return [step.poll, step.onDeadline];
  }
}

/** Throws, naming the runbook, at the first rule the step list breaks. */
export function validateSpec(spec: RunbookSpec): void {
  const known = new Set<string>([...spec.steps.map((s) => s.id), ...FINAL_STATE_IDS]);
  const unknown = spec.steps.flatMap(targetsOf).filter((t) => !known.has(t));
  if (unknown.length) throw new Error(`runbook ${spec.id}: unknown target state(s) ${unknown.join(", ")}`);
  for (const s of spec.steps) {
    if (s.type === "change" && !spec.steps.some((g) => g.type === "approval" && g.change === s.id)) {
      throw new Error(`runbook ${spec.id}: change ${s.id} has no approval state`);
    }
    // A durable wait is bounded: the engine re-arms its stored deadline, so it must be a real time in the future.
    if (s.type === "wait" && !(Number.isFinite(s.deadlineMs) && s.deadlineMs > 0)) {
      throw new Error(`runbook ${spec.id}: wait ${s.id} has no deadline`);
    }
  }
}
