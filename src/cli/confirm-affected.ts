// `--confirm-affected <n>`: a scripted run's answer to an approval that cuts off more than its target (a revoke of a
// shared key). Such an approval wants the number of resources affected typed back, which `--yes` alone cannot give:
// the operator names the count they expect on the command line, and a count that does not match is refused.
import { z } from "zod";
import type { ApprovalRequest, RunView } from "../runs/types.js";
import { UsageError } from "./errors.js";

const countSchema = z
  .string({ error: "--confirm-affected takes the number of resources affected, e.g. --confirm-affected 4" })
  .trim()
  .regex(/^[1-9]\d{0,5}$/, "--confirm-affected takes a positive whole number (the resources affected), e.g. 4");

/** The flag's value as a count; undefined when it was not given. Throws UsageError (exit 2) for anything else. */
export function parseConfirmAffected(value: unknown, yes: boolean): number | undefined {
  if (value === undefined) return undefined;
  const parsed = countSchema.safeParse(value);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => issue.message).join("; "));
  // Without --yes nothing is approved from the command line, so a count given alone would silently do nothing.
  if (!yes) throw new UsageError("--confirm-affected answers an approval that --yes gives: add --yes");
  return Number(parsed.data);
}

/** The number an approval wants typed back, when it wants one (the resources a revoke of a shared key cuts off). */
export function affectedCount(request: Pick<ApprovalRequest, "confirmText"> | undefined): number | undefined {
  const text = request?.confirmText;
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

/** The exact command that approves the run's pending request from a script, with the count when it wants one. */
export function approveCommand(invocation: string, runId: string, request: ApprovalRequest | undefined): string {
  const count = affectedCount(request);
  return `${invocation} runs resume ${runId} --yes${count !== undefined ? ` --confirm-affected ${count}` : ""}`;
}

/** What `--output json` says about a run stopped at an approval that wants the count. */
export interface AffectedConfirmation {
  /** The count the approval wants. */
  required: number;
  /** The count given with --confirm-affected (refused when it differs), null when none was. */
  given: number | null;
  /** Every resource the change reaches, the target first. */
  resources: string[];
  continueWith: string;
}

export function affectedConfirmation(
  view: RunView,
  given: number | undefined,
  invocation: string,
): { confirmAffected: AffectedConfirmation } | Record<string, never> {
  const required = view.status === "awaiting-approval" ? affectedCount(view.approval) : undefined;
  if (required === undefined) return {};
  return {
    confirmAffected: {
      required,
      given: given ?? null,
      resources: view.approval?.blastRadius?.affected ?? [],
      continueWith: approveCommand(invocation, view.id, view.approval),
    },
  };
}
