// Ids of the buttons and modals the app puts in Slack, and the validated values they carry back. A click is input
// from Slack like any other: its value is parsed with zod before anything acts on it.
import { z } from "zod";

export const ACTION = {
  approve: "acr_cmk.approve",
  reject: "acr_cmk.reject",
  /** Several choice buttons share one block, and Block Kit wants unique action ids there: a numbered suffix. */
  inputPrefix: "acr_cmk.input.",
  askAgain: "acr_cmk.ask_again",
  retry: "acr_cmk.retry",
  abort: "acr_cmk.abort",
  /** A scan's Recover button: starts `/acr-cmk recover` for the registry it names. */
  recoverRegistry: "acr_cmk.recover_registry",
  /** A scan's Recover button on a container group whose fix is its key's: starts that group's run. */
  recoverContainerGroup: "acr_cmk.recover_container_group",
} as const;

export const INPUT_ACTION = /^acr_cmk\.input\.\d+$/;

export const VIEW = {
  rejectReason: "acr_cmk.reject_reason",
  confirmApproval: "acr_cmk.confirm_approval",
  abortReason: "acr_cmk.abort_reason",
} as const;

const runId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);
const short = z.string().min(1).max(200);

/** Approve / Reject: bound to the step and to the Azure state the approver saw. */
export const approvalValue = z.object({ r: runId, s: short, f: z.string().min(1).max(500) });
export type ApprovalValue = z.infer<typeof approvalValue>;

export const inputValue = z.object({ r: runId, s: short, o: short });
export type InputValue = z.infer<typeof inputValue>;

export const runValue = z.object({ r: runId });

/** A registry named by a scan's Recover button: resource group, name, subscription (checked again when clicked). */
export const registryValue = z.object({
  g: z.string().regex(/^[-\w._()]{1,90}$/),
  n: z.string().regex(/^[a-zA-Z0-9]{5,50}$/),
  s: z.string().regex(/^[0-9a-f-]{36}$/i),
});
export type RegistryValue = z.infer<typeof registryValue>;

/** A container group named by a scan's Recover button (ACI names: letters, digits, dashes, at most 63). */
export const containerGroupValue = registryValue.extend({
  n: z.string().regex(/^[a-zA-Z0-9](?:[-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/),
});
export type ContainerGroupValue = z.infer<typeof containerGroupValue>;
export type RunValue = z.infer<typeof runValue>;

/**
 * Where a modal was opened from, so its submission can answer in the same place.
 * `x`: what the approver must type back (the registry's or container group's name, `k` saying which, or with `n` the
 * number of resources affected), carried in the modal so the submission is checked before its acknowledgement, without
 * a store call. The engine checks it again.
 */
export const modalMetadata = approvalValue.extend({
  c: z.string().min(1).max(40),
  t: z.string().max(40).optional(),
  x: z.string().max(100).optional(),
  n: z.literal(1).optional(),
  k: z.enum(["registry", "container group"]).optional(),
});
export type ModalMetadata = z.infer<typeof modalMetadata>;

/** Same for a modal about the run as a whole (Abort), not one approval. */
export const runModalMetadata = runValue.extend({ c: z.string().min(1).max(40), t: z.string().max(40).optional() });
export type RunModalMetadata = z.infer<typeof runModalMetadata>;

export function encodeValue(value: object): string {
  return JSON.stringify(value);
}

/** Parses a button value or modal metadata; undefined when it is not one of ours (a forged or stale payload). */
export function decodeValue<T>(schema: z.ZodType<T>, raw: unknown): T | undefined {
  if (typeof raw !== "string" || raw.length > 2000) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
