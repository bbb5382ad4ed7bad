// The seam between a transport (in-process HttpClient, HTTPS server) and the simulated services: plain data only,
// so neither side imports the other's types and the handlers never see an SDK object.

export interface SandboxRequest {
  method: string;
  /** The REAL Azure URL (https://management.azure.com/..., https://<vault>.vault.azure.net/...), or the server's own. */
  url: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body?: string;
}

export interface SandboxResponse {
  status: number;
  headers: Record<string, string>;
  body?: string;
}

/**
 * No HTTP answer at all: a deleted vault's or an unknown registry's host stops resolving in DNS, so the real SDK sees
 * a transport error (`getaddrinfo ENOTFOUND <host>`), not a status code.
 */
export class SandboxNetworkError extends Error {
  override readonly name = "SandboxNetworkError";
  constructor(
    message: string,
    readonly code: "ENOTFOUND" | "ECONNRESET",
  ) {
    super(message);
  }
}
