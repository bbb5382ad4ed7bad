// One place decides exit codes (see exit.ts); everything else throws one of these.

// UsageError lives outside the CLI so the Azure port can throw it without depending on a driver.
export { UsageError } from "../errors.js";

/** The command worked and the answer is "not healthy" / "not recovered": exit 1 after printing its result. */
export class ProblemsFound extends Error {
  override readonly name = "ProblemsFound";
  readonly exitCode = 1;
  constructor(message = "problems found") {
    super(message);
  }
}

export const EXIT = { ok: 0, problems: 1, usage: 2, azure: 3 } as const;
