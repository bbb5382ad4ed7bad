// A run's plan without running it: the runbook's steps in checklist order with their `az` equivalents filled in
// from what is known about the target. Used by `--dry-run` and by the checklist of every RunView.
import type { RunbookDefinition } from "../machines/protocol.js";
import type { RunRecord } from "./run-store.js";
import type { RunPlace, RunTarget, RunView, StartRunParams, StepMeta } from "./types.js";
import { targetName } from "../machines/target.js";

export interface PlannedStep extends StepMeta {
  id: string;
}

/** Values for `<placeholders>` in `az` commands, under the spellings runbook authors use. */
export function targetPlaceholders(
  target: RunTarget,
  extra: Record<string, string | undefined> = {},
): Record<string, string> {
  const values: Record<string, string | undefined> = {
    registry: targetName(target),
    "registry-name": targetName(target),
    name: targetName(target),
    "resource-group": target.resourceGroup,
    rg: target.resourceGroup,
    group: target.resourceGroup,
    subscription: target.subscriptionId,
    "subscription-id": target.subscriptionId,
    ...extra,
  };
  return Object.fromEntries(
    Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/** Replaces the placeholders it knows and leaves the others visible, so nobody runs a half-filled command unaware. */
export function fillPlaceholders(text: string, values: Record<string, string>): string {
  return text.replace(/<([a-z][a-z0-9-]*)>/gi, (whole, name: string) => values[name.toLowerCase()] ?? whole);
}

/**
 * `azOverrides`: per-run `az` templates by step id (context.stepAz), once the run knows which form applies, such as
 * the access-policy or the RBAC form of an access step.
 */
export function planSteps(
  definition: RunbookDefinition,
  values: Record<string, string>,
  azOverrides: Readonly<Record<string, string>> = {},
): PlannedStep[] {
  return definition.steps.map((step) => {
    const az = azOverrides[step.id] ?? step.az;
    return { ...step, ...(az ? { az: fillPlaceholders(az, values) } : {}) };
  });
}

/** A run's plan as a view, nothing started: what `--dry-run` shows, and a new run's first view. */
export function dryRunView(id: string, definition: RunbookDefinition, params: StartRunParams, now: Date): RunView {
  const at = now.toISOString();
  const steps = planSteps(definition, targetPlaceholders(params.target, params.hints)).map((step) => ({
    ...step,
    status: "pending" as const,
  }));
  return {
    id,
    runbook: definition.id,
    target: params.target,
    requester: params.requester,
    driver: params.driver,
    dryRun: true,
    status: "succeeded",
    busy: false,
    steps,
    log: [{ at, level: "info", message: "Dry run: the plan is shown, nothing was changed." }],
    outcome: { summary: "Dry run: nothing was changed.", nextSteps: [] },
    rollback: [],
    startedAt: at,
    updatedAt: at,
  };
}

/** The record of a run about to start: its plan as the first view, running where the engine is connected. */
export function newRunRecord(
  id: string,
  definition: RunbookDefinition,
  params: StartRunParams,
  place: RunPlace,
  now: Date,
): RunRecord {
  const incident = params.incident ? { incident: params.incident } : {};
  const view = dryRunView(id, definition, params, now);
  return {
    id,
    runbook: params.runbook,
    target: params.target,
    place,
    requester: params.requester,
    driver: params.driver,
    dryRun: false,
    selfApprove: Boolean(params.selfApprove),
    ...(params.presetChoices?.length ? { presetChoices: [...params.presetChoices] } : {}),
    status: "running",
    snapshot: null,
    visited: [],
    view: { ...view, place, status: "running", outcome: undefined, dryRun: false, ...incident },
    startedAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
}
