// Step functions become the machine's invoked actors: fromPromise over the CmkAzure port, with the actor's abort
// signal reaching every Azure call. Until the host provides them, each name has a placeholder that says so.
import { fromPromise } from "xstate";
import type { CmkAzure } from "../azure/types.js";
import type { StepFn, StepInput, StepOutput } from "./steps.js";

export function placeholderActor(name: string) {
  return fromPromise<StepOutput, StepInput>(async () => {
    throw new Error(`actor "${name}" has no implementation: provide definition.actors(azure)`);
  });
}

/** Wraps step functions over the port as fromPromise actors; the actor's abort signal reaches every Azure call. */
export function actorsFrom(azure: CmkAzure, fns: Record<string, StepFn>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fns).map(([name, fn]) => [
      name,
      fromPromise<StepOutput, StepInput>(({ input, signal }) => fn(azure, input, signal)),
    ]),
  );
}
