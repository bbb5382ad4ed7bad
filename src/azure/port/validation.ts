// Input checks for port calls, so a bad value from a user, Slack or a machine is refused with a clear message before
// anything is sent to Azure (and nothing is half-done).
import { z } from "zod";
import { InvalidRequestError } from "../errors.js";

export const guid = z
  .string()
  .trim()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "expected a GUID");

/** Parses `value` or throws InvalidRequestError naming the call and every problem found. */
export function validate<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues
    .map((issue) => `${issue.path.length ? `${issue.path.join(".")}: ` : ""}${issue.message}`)
    .join("; ");
  throw new InvalidRequestError(`invalid ${what}: ${problems}`);
}
