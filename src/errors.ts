// Errors any room may throw (the Azure port, the sandbox, the drivers); src/cli/exit.ts alone maps them to exit codes.

/** Bad usage or bad input, refused before anything changed: the CLI exits 2 with the message. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
