// The reason a person gives for rejecting a change or aborting a run: it goes into the audit log and the thread.
import { z } from "zod";

export const reasonSchema = z
  .string({ error: "Give a reason." })
  .trim()
  .min(3, "Give a reason of at least 3 characters.")
  .max(500, "Keep the reason under 500 characters.");
