// Errors any room may throw (the Azure port, the sandbox, the drivers); src/cli/exit.ts alone maps them to exit codes.

/** Bad usage or bad input, refused before anything changed: the CLI exits 2 with the message. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/**
 * A folder acr-cmk keeps its files in (ACR_CMK_HOME, a sandbox state file's folder) cannot be used: say which path,
 * why, and what to do, as a UsageError (exit 2), instead of an "unexpected error" about mkdir or sqlite.
 */
export function folderUnusable(folder: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EEXIST" || code === "ENOTDIR") {
    return new UsageError(
      `${folder} is a file, not a folder: acr-cmk keeps its runs, audit log and sandbox there. ` +
        "Set ACR_CMK_HOME to a folder (it is created if missing; default ~/.acr-cmk), or move that file away.",
    );
  }
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
    return new UsageError(
      `cannot write to ${folder} (${code}): acr-cmk keeps its runs, audit log and sandbox there. ` +
        "Make it writable for this user, or set ACR_CMK_HOME to a folder that is.",
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}
