// An optional record of what the sandbox answered: with ACR_CMK_SANDBOX_RESPONSE_LOG=<directory>, every Resource
// Manager and Key Vault response is appended as one JSON line to <directory>/<pid>.jsonl. The test suite turns it on
// to check every answer against Microsoft's published REST API specs (Azure/azure-rest-api-specs); a drill can use it
// to see what its clients were told. The sandbox holds no secrets, and the registry data plane (tokens) is left out.
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { SandboxRequest, SandboxResponse } from "./http/wire.js";

export const RESPONSE_LOG_ENV = "ACR_CMK_SANDBOX_RESPONSE_LOG";

export interface LoggedResponse {
  service: "arm" | "keyvault";
  method: string;
  url: string;
  /** Path below any /vault/<name> prefix, as the service sees it. */
  path: string;
  userAgent?: string;
  status: number;
  /** Long-running-operation headers only (lower-case names). */
  headers: Record<string, string>;
  body?: string;
}

const LRO_HEADERS = ["azure-asyncoperation", "location", "retry-after", "retry-after-ms"];

/** A writer for the log, or undefined when the variable is unset (the normal case). */
export function openResponseLog(
  env: NodeJS.ProcessEnv = process.env,
): ((entry: Omit<LoggedResponse, "headers">, response: SandboxResponse) => void) | undefined {
  const dir = env[RESPONSE_LOG_ENV];
  if (!dir) return undefined;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${process.pid}.jsonl`);
  return (entry, response) => {
    const headers: Record<string, string> = {};
    for (const name of LRO_HEADERS) {
      const value = response.headers[name];
      if (value !== undefined) headers[name] = value;
    }
    // One write per line: appends from several processes never interleave within a line.
    appendFileSync(file, `${JSON.stringify({ ...entry, headers } satisfies LoggedResponse)}\n`);
  };
}

/** The user agent, shortened to its product tokens (what tells `az` from the JS SDKs). */
export function userAgentOf(req: SandboxRequest): string | undefined {
  return req.headers["user-agent"]?.slice(0, 200);
}
