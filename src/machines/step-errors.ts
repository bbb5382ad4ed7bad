// How a step's failure is told apart: the errors a change actor throws on purpose (a stale approval, a change Azure
// refuses), and the cause, message and request id the run records for any error.

/** The cause of a failed step, from AzureFailure.kind, a stale approval, or anything else thrown. */
export function describeError(error: unknown): { cause: string; message: string; requestId?: string } {
  if (error && typeof error === "object") {
    const e = error as { kind?: unknown; message?: unknown; details?: { requestId?: unknown } };
    const cause = typeof e.kind === "string" ? e.kind : "unknown";
    const message = typeof e.message === "string" ? e.message : String(error);
    const requestId = typeof e.details?.requestId === "string" ? e.details.requestId : undefined;
    return requestId ? { cause, message, requestId } : { cause, message };
  }
  return { cause: "unknown", message: String(error) };
}

/** Thrown by a change actor whose approved fingerprint no longer matches Azure: the approval is void. */
export class StaleApprovalError extends Error {
  override readonly name = "StaleApprovalError";
  readonly kind = "stale";
  constructor(message: string) {
    super(message);
  }
}

/**
 * Thrown by a change actor when Azure refuses the change itself (not a fault to retry): nothing changed, and the
 * runbook offers another way (ChangeStep.refused). The message says what Azure answered.
 */
export class RefusedChangeError extends Error {
  override readonly name = "RefusedChangeError";
  readonly kind = "refused";
  readonly details?: { requestId?: string };
  constructor(message: string, requestId?: string) {
    super(message);
    if (requestId) this.details = { requestId };
  }
}
