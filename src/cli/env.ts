// Environment settings more than one command reads, validated once, with the same messages everywhere.
import { z } from "zod";

/** ACR_CMK_APPROVAL_TTL_MS: how long an approval request stays valid (1 s to 7 days; default 15 minutes). */
export const approvalTtlMs = z.coerce
  .number({ error: "ACR_CMK_APPROVAL_TTL_MS must be a number of milliseconds" })
  .int("ACR_CMK_APPROVAL_TTL_MS must be a whole number of milliseconds")
  .min(1000, "ACR_CMK_APPROVAL_TTL_MS must be at least 1000 (1 second)")
  .max(7 * 24 * 3_600_000, "ACR_CMK_APPROVAL_TTL_MS must be at most 604800000 (7 days)")
  .optional();
