// The reason field of the reject and abort modals, read and validated.
import { REASON_BLOCK, REASON_INPUT } from "../../blocks/modals.js";
import { reasonSchema } from "../../reason.js";
import type { ModalInput, ModalValues } from "./run-modal.js";

export function readReason(values: ModalValues): ModalInput<string> {
  const reason = reasonSchema.safeParse(values[REASON_BLOCK]?.[REASON_INPUT]?.value ?? undefined);
  return reason.success
    ? { ok: true, input: reason.data }
    : { ok: false, errors: { [REASON_BLOCK]: reason.error.issues[0]?.message ?? "Invalid reason." } };
}
