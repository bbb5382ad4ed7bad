// The one place that maps an error to an exit code and a message a person can act on.
import { AzureFailure } from "../azure/types.js";
import { ProblemsFound, UsageError } from "./errors.js";

export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return 2;
  if (error instanceof ProblemsFound) return 1;
  if (error instanceof AzureFailure) return 3;
  return 3;
}

const NEXT_STEP: Partial<Record<AzureFailure["kind"], string>> = {
  auth: "Sign in (az login) or set AZURE_CLIENT_ID / AZURE_TENANT_ID / AZURE_CLIENT_SECRET, or use --sandbox.",
  "authorization-failed": "Your own account lacks rights on this resource; ask for Reader (diagnose) or Contributor.",
  throttled: "Azure is throttling requests; wait a minute and run the command again.",
  unavailable: "Azure answered with server errors after retries; try again, and check Azure status.",
  network: "Azure could not be reached; check your network or proxy.",
};

export function describeFailure(error: unknown, verbose: boolean): string {
  if (error instanceof UsageError) return `error: ${error.message}`;
  if (error instanceof ProblemsFound) return error.message;
  if (error instanceof AzureFailure) {
    const parts = [`Azure error: ${error.message}`];
    const { code, statusCode, requestId } = error.details;
    if (code || statusCode)
      parts.push(`  (${[statusCode, code].filter(Boolean).join(" ")}${requestId ? `, request id ${requestId}` : ""})`);
    const next = NEXT_STEP[error.kind];
    if (next) parts.push(`  ${next}`);
    if (verbose && error.stack) parts.push(error.stack);
    return parts.join("\n");
  }
  const message = error instanceof Error ? error.message : String(error);
  return verbose && error instanceof Error && error.stack
    ? `unexpected error: ${error.stack}`
    : `unexpected error: ${message} (run with --verbose for details)`;
}

/** A short, stable code for `--output json` errors: the exit code's reason, or the Azure failure's typed cause. */
export function errorCodeFor(error: unknown): string {
  if (error instanceof UsageError) return "usage";
  if (error instanceof ProblemsFound) return "problems";
  if (error instanceof AzureFailure) return `azure-${error.kind}`;
  return "unexpected";
}

/** `--output json`: the error as one JSON document (one line), so a script reading stderr parses it whole. */
export function describeFailureJson(error: unknown, verbose: boolean): string {
  const message = describeFailure(error, verbose).replace(/^error: /, "");
  return JSON.stringify({ error: { code: errorCodeFor(error), message } });
}
