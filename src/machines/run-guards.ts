// The named guards of every runbook machine (setup({ guards })): each transition names the question it asks, and the
// step builders in states/ pass the step-specific part as params.
import type { ActionArgs, DoneEvent, ErrorEvent, EventOf, RunbookContext } from "./run-context.js";
import { describeError } from "./step-errors.js";

const causeOf = (event: ActionArgs["event"]) => describeError((event as ErrorEvent).error).cause;

/** The operator may only choose what the input state offered. */
const offered = (context: RunbookContext, value: string) =>
  (context.pendingInput?.options ?? []).some((option) => option.id === value);

export const RUNBOOK_GUARDS = {
  /** The step actor answered with this outcome. */
  outcomeIs: ({ event }: ActionArgs, params: { outcome: string }) =>
    (event as DoneEvent).output?.outcome === params.outcome,
  /** The change actor found Azure moved on since the approval (StaleApprovalError). */
  approvalIsStale: ({ event }: ActionArgs) => causeOf(event) === "stale",
  /** Azure refused the change itself (RefusedChangeError). */
  refusedByAzure: ({ event }: ActionArgs) => causeOf(event) === "refused",
  /** Nothing was planned for the change this approval gates. */
  noPlanFor: ({ context }: ActionArgs, params: { change: string }) => context.plans[params.change] === undefined,
  /** An approval for another state of Azure than the one shown is ignored, never applied. */
  approvesWhatWasShown: ({ context, event }: ActionArgs) =>
    context.pendingApproval !== undefined &&
    (event as EventOf<"APPROVE">).fingerprint === context.pendingApproval.fingerprint,
  /** The approver asks for an alternative plan, and the check offered one. */
  alternativeOffered: ({ context, event }: ActionArgs, params: { value: string; key: string }) =>
    (event as EventOf<"INPUT">).value === params.value && context.candidates[params.key] !== undefined,
  /** The operator chose this option, and it was offered. */
  optionChosen: ({ context, event }: ActionArgs, params: { value: string }) =>
    (event as EventOf<"INPUT">).value === params.value && offered(context, params.value),
  /** The operator chose any offered option (dynamic choices such as identity ids). */
  offeredOptionChosen: ({ context, event }: ActionArgs) => offered(context, (event as EventOf<"INPUT">).value),
  /** The run stopped at this step: RETRY goes back to it. */
  failedAt: ({ context }: ActionArgs, params: { step: string }) => context.lastError?.step === params.step,
};
