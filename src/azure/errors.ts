// Every error that leaves src/azure is an AzureFailure with a typed `kind`, decided from the codes and statuses the
// SDK's RestError carries (never from message text, with two exceptions: ACR's identity errors, documented below, and
// a Log Analytics table that does not exist yet, in port/key-vault-audit.ts).
import { isRestError, type RestError } from "@azure/core-rest-pipeline";
import { UsageError } from "../errors.js";
import { rememberedErrorBody } from "./port/error-bodies.js";
import { AzureFailure, type AzureCause } from "./types.js";

/** Input to a port method that Azure would refuse, caught before any call: exit 2, nothing changed. */
export class InvalidRequestError extends UsageError {}

const NOT_FOUND = new Set(["resourcenotfound", "resourcegroupnotfound", "notfound", "subscriptionnotfound"]);
const DELETED_VAULT_NOT_FOUND = new Set(["deletedvaultnotfound", "softdeletedvaultdoesnotexist"]);
const AUTHORIZATION_FAILED = new Set(["authorizationfailed", "linkedauthorizationfailed"]);
const NETWORK_CODES = new Set([
  "REQUEST_SEND_ERROR", // RestError.REQUEST_SEND_ERROR: the request never got an HTTP answer
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);
/** @azure/identity's error names; matched by name so this module does not load the identity package. */
const CREDENTIAL_ERRORS = new Set([
  "CredentialUnavailableError",
  "AuthenticationError",
  "AggregateAuthenticationError",
  "AuthenticationRequiredError",
]);

interface ErrorBody {
  code?: unknown;
  message?: unknown;
  innerError?: ErrorBody;
  innererror?: ErrorBody;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() ? value : undefined;
}

/** What an error body says, whichever of the services' shapes it has. */
export interface ErrorBodyFacts {
  code?: string;
  /** Innermost `innererror.code` (Key Vault's ForbiddenByFirewall, ForbiddenByPolicy, …). */
  innerCode?: string;
  message?: string;
  /** Innermost `innererror.message` (Log Analytics names the table or column it cannot resolve there). */
  innerMessage?: string;
}

/**
 * Reads `{error:{code,message,innererror}}` (ARM, Key Vault; keyvault-keys renames innererror → innerError), the bare
 * `{code,message}` some classic clients keep as `details`, and ACR's data plane `{errors:[{code,message,detail}]}`
 * (Docker registry v2 shape: the first error speaks for the answer).
 */
export function errorBodyFacts(body: unknown): ErrorBodyFacts {
  const record = asRecord(body);
  if (!record) return {};
  if (Array.isArray(record.errors)) {
    const first = asRecord(record.errors[0]);
    const code = text(first?.code);
    const message = text(first?.message);
    return { ...(code ? { code } : {}), ...(message ? { message } : {}) };
  }
  const error = (asRecord(record.error) ?? record) as ErrorBody;
  const code = text(error.code);
  const message = text(error.message);
  let innerCode: string | undefined;
  let innerMessage: string | undefined;
  let inner = asRecord(error.innerError ?? error.innererror) as ErrorBody | undefined;
  while (inner) {
    innerCode = text(inner.code) ?? innerCode;
    innerMessage = text(inner.message) ?? innerMessage;
    inner = asRecord(inner.innerError ?? inner.innererror) as ErrorBody | undefined;
  }
  return {
    ...(code ? { code } : {}),
    ...(innerCode ? { innerCode } : {}),
    ...(message ? { message } : {}),
    ...(innerMessage ? { innerMessage } : {}),
  };
}

/**
 * The raw error body: the classic (core-client) clients keep it on the response; the modular clients' paging helper
 * drops it, and the error-body policy every client carries kept it against the request.
 */
function rawBodyOf(error: RestError): string | undefined {
  return (
    error.response?.bodyAsText ?? rememberedErrorBody(error.request) ?? rememberedErrorBody(error.response?.request)
  );
}

function parseJson(raw: string | undefined): unknown {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined; // not JSON (a gateway's HTML page): nothing to read
  }
}

/** The facts of a RestError: its deserialized `details` first, then its raw body, then what the SDK put on it. */
export function restErrorFacts(error: RestError): ErrorBodyFacts {
  const fromDetails = errorBodyFacts(error.details);
  const fromBody = errorBodyFacts(parseJson(rawBodyOf(error)));
  const code = error.code ?? fromDetails.code ?? fromBody.code;
  const innerCode = fromDetails.innerCode ?? fromBody.innerCode;
  const message = fromDetails.message ?? fromBody.message;
  const innerMessage = fromDetails.innerMessage ?? fromBody.innerMessage;
  return {
    ...(code ? { code } : {}),
    ...(innerCode ? { innerCode } : {}),
    ...(message ? { message } : {}),
    ...(innerMessage ? { innerMessage } : {}),
  };
}

function requestIdOf(error: RestError): string | undefined {
  const headers = error.response?.headers;
  return headers?.get("x-ms-request-id") ?? headers?.get("x-ms-correlation-request-id") ?? undefined;
}

/**
 * ACR publishes no error code for "Azure resource '…' does not have access to identity '…' Try forcibly adding the
 * identity to the registry" (identity removal) nor for "The identity associated with the registry is inactive": this is
 * one of two places in acr-cmk that read a message to decide a cause (the other: a Log Analytics table not there yet,
 * port/key-vault-audit.ts).
 */
const ACR_IDENTITY_INACCESSIBLE = [
  /does not have access to identity/i,
  /identity associated with the registry is inactive/i,
];

/** Tokens must never reach a log or a terminal, whatever a service or proxy echoes back. */
export function redactSecrets(text: string): string {
  return text
    .replace(/(Bearer|PoP)\s+[A-Za-z0-9\-._~+/]+=*/g, "$1 [redacted]")
    .replace(/((?:access|refresh)_token|client_secret|assertion|sig)=([^&\s"']+)/gi, "$1=[redacted]")
    .replace(/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, "[redacted-jwt]");
}

function kindFor(
  statusCode: number | undefined,
  code: string | undefined,
  innerCode: string | undefined,
  message: string,
  operation: string,
): AzureCause {
  const c = code?.toLowerCase() ?? "";
  const inner = innerCode?.toLowerCase() ?? "";

  if (ACR_IDENTITY_INACCESSIBLE.some((pattern) => pattern.test(message))) return "identity-inaccessible";
  if (c === "keynotfound" || inner === "keynotfound") return "key-not-found";
  if (DELETED_VAULT_NOT_FOUND.has(c) || DELETED_VAULT_NOT_FOUND.has(inner)) return "deleted-vault-not-found";
  if (c === "objectisdeletedbutrecoverable" || inner === "objectisdeletedbutrecoverable") {
    return "deleted-but-recoverable";
  }
  // Key Vault answers a vault create/recover over a soft-deleted name with ARM code ConflictError.
  if (c === "conflicterror" && /vault/i.test(operation)) return "deleted-but-recoverable";
  if (AUTHORIZATION_FAILED.has(c)) return "authorization-failed";

  const forbidden = inner || c;
  if (forbidden === "forbiddenbyfirewall") return "forbidden-by-firewall";
  if (forbidden === "forbiddenbypolicy" || forbidden === "accessdenied") return "forbidden-by-policy";
  if (forbidden === "forbiddenbyrbac") return "forbidden-by-rbac";
  if (forbidden === "keydisabled") return "key-disabled";

  if (NOT_FOUND.has(c)) return "not-found";
  // A failed long-running operation reports its code without a status.
  if (c === "internalservererror" || c === "serviceunavailable" || c === "gatewaytimeout") return "unavailable";
  if (code && NETWORK_CODES.has(code)) return "network";
  if (statusCode === undefined) return code ? "unknown" : "network";
  if (statusCode === 401) return "auth";
  if (statusCode === 404) return "not-found";
  if (statusCode === 409) return "conflict";
  if (statusCode === 429) return "throttled";
  if (statusCode >= 500) return "unavailable";
  if (statusCode === 400) return "bad-request";
  return "unknown";
}

/** core-lro reports a failed operation as a plain Error in its own fixed format: "…has failed. <code>. <message>". */
const LRO_FAILURE = /^The long-running operation has failed\. ([A-Za-z][\w.]*)\. ([\s\S]*)$/;

function nodeCodeOf(error: unknown): string | undefined {
  const code = asRecord(error)?.code;
  if (typeof code === "string") return code;
  const cause = asRecord(error)?.cause;
  return cause && cause !== error ? nodeCodeOf(cause) : undefined;
}

/** Maps anything an SDK call threw to an AzureFailure; the original error travels along in `details.original`. */
export function toAzureFailure(error: unknown, operation: string): AzureFailure {
  if (error instanceof AzureFailure) return error;

  if (isRestError(error)) {
    const { code, innerCode, message: bodyMessage } = restErrorFacts(error);
    const statusCode = error.statusCode;
    // The service's own words, not the SDK's "Pagination failed with unexpected statusCode 403" or a raw JSON body.
    const message = redactSecrets(bodyMessage ?? (error.message || `HTTP ${statusCode ?? "error"}`));
    const kind = kindFor(statusCode, code, innerCode, message, operation);
    return new AzureFailure(`${operation}: ${message}`, kind, {
      statusCode,
      code,
      innerCode,
      requestId: requestIdOf(error),
      operation,
      original: error,
    });
  }

  const err = error instanceof Error ? error : new Error(String(error));
  const message = redactSecrets(err.message);

  if (CREDENTIAL_ERRORS.has(err.name)) {
    return new AzureFailure(`${operation}: could not get an Azure token: ${message}`, "auth", {
      code: err.name,
      operation,
      original: error,
    });
  }

  const lro = LRO_FAILURE.exec(err.message);
  if (lro) {
    const [, code, lroMessage = ""] = lro;
    return new AzureFailure(
      `${operation}: ${redactSecrets(lroMessage)}`,
      kindFor(undefined, code, undefined, lroMessage, operation),
      { code, operation, original: error },
    );
  }

  const nodeCode = nodeCodeOf(error);
  if (nodeCode && NETWORK_CODES.has(nodeCode)) {
    return new AzureFailure(`${operation}: ${message}`, "network", { code: nodeCode, operation, original: error });
  }
  return new AzureFailure(`${operation}: ${message}`, "unknown", { operation, original: error });
}

/** Aborts are the caller's own decision (a cancelled run), not an Azure failure: they pass through unchanged. */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === "AbortError";
}

/** Runs one SDK call; every failure but the caller's own abort and bad input comes out as an AzureFailure. */
export async function callAzure<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isAbortError(error) || error instanceof UsageError) throw error;
    throw toAzureFailure(error, operation);
  }
}
