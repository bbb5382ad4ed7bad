// The approval gate before every change: shows the plan, takes APPROVE only for the fingerprint it showed, REJECT
// ends the run, and an INPUT may switch the change to an alternative plan. Without a plan nothing may be approved.
// Its deadline is the approval request's expiry, which the engine keeps with the request (protocol.ts).
import type { ApprovalStep, RunbookSpec } from "../steps.js";
import { ABORT, action, guard } from "./refs.js";

export function approvalState(step: ApprovalStep, spec: RunbookSpec): Record<string, unknown> {
  const alternatives = Object.entries(step.alternatives ?? {}).map(([value, key]) => ({
    guard: guard("alternativeOffered", { value, key }),
    target: step.id,
    reenter: true,
    description: value,
    actions: action("switchPlan", { value, key, change: step.change }),
  }));
  const change = spec.steps.find((s) => s.type === "change" && s.id === step.change);
  return {
    description: step.meta.why,
    meta: step.meta,
    tags: ["approval"],
    always: {
      guard: guard("noPlanFor", { change: step.change }),
      target: "failed",
      actions: action("stopWithoutPlan", {
        change: step.change,
        check: change?.type === "change" ? change.recheck : step.id,
      }),
    },
    entry: action("requestApproval", { change: step.change }),
    exit: action("clearApproval"),
    on: {
      APPROVE: {
        guard: guard("approvesWhatWasShown"),
        target: step.change,
        actions: action("recordApproval", { change: step.change }),
      },
      REJECT: { target: "rejected", actions: action("recordRejection", { change: step.change }) },
      ...(alternatives.length ? { INPUT: alternatives } : {}),
      ABORT,
    },
  };
}
