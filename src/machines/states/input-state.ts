// A choice for a person: shows the options (an earlier step's, else the step's own), takes INPUT only for an offered
// option, and may copy the chosen candidate plan into the change it configures. Like an approval, an unanswered
// question lapses with the engine's approval TTL (protocol.ts).
import type { InputStep } from "../steps.js";
import { ABORT, action, guard } from "./refs.js";

export function inputState(step: InputStep): Record<string, unknown> {
  const transitions: Array<Record<string, unknown>> = Object.entries(step.on).map(([value, target]) => ({
    guard: guard("optionChosen", { value }),
    target,
    description: value,
    actions: action("recordChoice", { stepId: step.id, target, value }),
  }));
  if (step.otherwise) {
    transitions.push({
      guard: guard("offeredOptionChosen"),
      target: step.otherwise,
      description: "chosen option",
      actions: action("recordChoice", { stepId: step.id, target: step.otherwise }),
    });
  }
  return {
    description: step.meta.why,
    meta: step.meta,
    tags: ["input"],
    entry: action("askInput", { stepId: step.id }),
    exit: action("clearInput"),
    on: { INPUT: transitions, ABORT },
  };
}
