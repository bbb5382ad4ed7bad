/** The state file is missing, corrupt, from another version, or locked for too long. */
export class SandboxStateError extends Error {
  override readonly name = "SandboxStateError";
}
