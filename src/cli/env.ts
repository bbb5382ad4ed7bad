// Environment settings more than one command reads, validated once, with the same messages everywhere.
import { z } from "zod";
import { UsageError } from "./errors.js";

/** ACR_CMK_APPROVAL_TTL_MS: how long an approval request stays valid (1 s to 7 days; default 15 minutes). */
export const approvalTtlMs = z.coerce
  .number({ error: "ACR_CMK_APPROVAL_TTL_MS must be a number of milliseconds" })
  .int("ACR_CMK_APPROVAL_TTL_MS must be a whole number of milliseconds")
  .min(1000, "ACR_CMK_APPROVAL_TTL_MS must be at least 1000 (1 second)")
  .max(7 * 24 * 3_600_000, "ACR_CMK_APPROVAL_TTL_MS must be at most 604800000 (7 days)")
  .optional();

const engineEnvSchema = z.object({
  ACR_CMK_POLL_INTERVAL_MS: z.coerce.number().int().min(1).max(3_600_000).optional(),
  ACR_CMK_APPROVAL_TTL_MS: approvalTtlMs,
  // A blob lease lasts 15 to 60 s (https://learn.microsoft.com/rest/api/storageservices/lease-blob); SQLite's lock too.
  ACR_CMK_LOCK_TTL_MS: z.coerce
    .number({ error: "ACR_CMK_LOCK_TTL_MS must be a number of milliseconds" })
    .int("ACR_CMK_LOCK_TTL_MS must be a whole number of milliseconds")
    .min(15_000, "ACR_CMK_LOCK_TTL_MS must be at least 15000 (15 seconds)")
    .max(60_000, "ACR_CMK_LOCK_TTL_MS must be at most 60000 (60 seconds)")
    .optional(),
});

/** The settings the run engine reads from the environment; a bad value is bad usage, named, never half-applied. */
export function engineEnv(env: NodeJS.ProcessEnv): z.infer<typeof engineEnvSchema> {
  const parsed = engineEnvSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  const name = (i: { path: PropertyKey[] }) => i.path.map(String).join(".");
  // Messages that already name the variable are shown as they are.
  throw new UsageError(
    parsed.error.issues.map((i) => (i.message.startsWith(name(i)) ? i.message : `${name(i)}: ${i.message}`)).join("; "),
  );
}
