// Every runbook by id: what the engine, the CLI and the docs generator use.
import { isRunbookId, type RunbookId } from "../runbooks/catalogue.js";
import type { RunbookActorOptions, RunbookDefinition, RunClock } from "./protocol.js";
import type { AnyStateMachine } from "xstate";
import type { CmkAzure } from "../azure/types.js";
import type { RunbookSpec, StepFn } from "./steps.js";
import { firewall403 } from "./firewall-403.js";
import { identityRemoved } from "./identity-removed.js";
import { keyDeleted } from "./key-deleted.js";
import { restore } from "./restore.js";
import { revoke } from "./revoke.js";
import { rotate } from "./rotate.js";

/** A definition plus its step list and the plain step functions (what the docs and the model-based tests read). */
export type RunbookWithSpec = RunbookDefinition & {
  spec: RunbookSpec;
  stepFunctions: (azure: CmkAzure, options?: RunbookActorOptions) => Record<string, StepFn>;
  machineWithClock: (clock: RunClock) => AnyStateMachine;
};

export const RUNBOOKS: Record<RunbookId, RunbookWithSpec> = {
  "key-deleted": keyDeleted,
  "identity-removed": identityRemoved,
  "firewall-403": firewall403,
  revoke,
  restore,
  rotate,
};

export { isRunbookId };

/** The runbook, or undefined for an unknown id (callers turn that into a usage error). */
export function getRunbook(id: string): RunbookWithSpec | undefined {
  return isRunbookId(id) ? RUNBOOKS[id] : undefined;
}

export { fillAz, AZ } from "./az.js";
export { fingerprint } from "./fingerprint.js";
export type { RunbookContext } from "./run-context.js";
export type { RunFacts } from "./facts.js";
