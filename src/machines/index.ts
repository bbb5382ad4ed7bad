// Every runbook by id: what the engine, the CLI and the docs generator use.
import { isRunbookId, type RunbookId } from "../runbooks/catalogue.js";
import type { RunbookActorOptions, RunbookDefinition, RunClock } from "./protocol.js";
import type { AnyStateMachine } from "xstate";
import type { CmkAzure } from "../azure/types.js";
import type { RunbookSpec, StepFn } from "./steps.js";
import { firewall403 } from "./firewall-403.js";
import { identityRemoved } from "./identity-removed.js";
import { keyDeleted, keyDeletedForContainerGroups } from "./key-deleted.js";
import { restore, restoreForContainerGroups } from "./restore.js";
import type { RunTarget } from "./meta.js";
import { isContainerGroupTarget } from "./target.js";
import { revoke } from "./revoke.js";
import { rotate } from "./rotate.js";

/** A definition plus its step list and the plain step functions (what the docs and the model-based tests read). */
export type RunbookWithSpec = Omit<RunbookDefinition, "containerGroup"> & {
  spec: RunbookSpec;
  stepFunctions: (azure: CmkAzure, options?: RunbookActorOptions) => Record<string, StepFn>;
  machineWithClock: (clock: RunClock) => AnyStateMachine;
  containerGroup?: RunbookWithSpec;
};

export const RUNBOOKS: Record<RunbookId, RunbookWithSpec> = {
  // A container group's encryption is fixed at deployment: only the runbooks that repair the key itself apply to it.
  "key-deleted": { ...keyDeleted, containerGroup: keyDeletedForContainerGroups },
  "identity-removed": identityRemoved,
  "firewall-403": firewall403,
  revoke,
  restore: { ...restore, containerGroup: restoreForContainerGroups },
  rotate,
};

export { isRunbookId };

/** The runbook, or undefined for an unknown id (callers turn that into a usage error). */
export function getRunbook(id: string): RunbookWithSpec | undefined {
  return isRunbookId(id) ? RUNBOOKS[id] : undefined;
}

/** The form of runbook `id` a run on `target` follows; undefined when it does not apply to that kind of target. */
export function runbookFor(id: string, target: RunTarget): RunbookWithSpec | undefined {
  const runbook = getRunbook(id);
  return runbook && isContainerGroupTarget(target) ? runbook.containerGroup : runbook;
}

/** Runbooks a container group can run (those that repair its key). */
export const CONTAINER_GROUP_RUNBOOK_IDS = (Object.keys(RUNBOOKS) as RunbookId[]).filter(
  (id) => RUNBOOKS[id].containerGroup !== undefined,
);

export { fillAz, AZ } from "./az.js";
export { fingerprint } from "./fingerprint.js";
export type { RunbookContext } from "./run-context.js";
export type { RunFacts } from "./facts.js";
