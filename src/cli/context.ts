import type { CmkAzure } from "../azure/types.js";

export type OutputFormat = "text" | "json";

/** Global options of every command (README, "Commands"). */
export interface GlobalOptions {
  subscription?: string;
  /** Absolute path of the sandbox state file when sandbox mode is on. */
  sandbox?: string;
  output: OutputFormat;
  /** `--output` was given on the command line (not the default): `sandbox serve` prints JSON unless text is asked for. */
  outputChosen?: boolean;
  color: boolean;
  verbose: boolean;
  /** ACR_CMK_HOME: runs, audit log, sandbox state. */
  home: string;
}

/** What a command gets from the composition root; fakes enter through here in tests. */
export interface CliContext {
  globals: GlobalOptions;
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** The Azure port for the chosen target (cloud or sandbox); built lazily, once. */
  azure(): Promise<CmkAzure>;
  /**
   * Hears every HTTP response of `azure()`'s port, so the run engine can put Azure request ids in its audit log.
   * Returns the unsubscribe function. Absent in contexts whose port reports nothing (test fakes).
   */
  onAzureResponse?(listener: (response: AzureResponse) => void): () => void;
}

/** One HTTP response as the port reports it: no query string, no body, no headers but the request id. */
export interface AzureResponse {
  method: string;
  url: string;
  status: number;
  requestId?: string;
}

export function printJson(ctx: CliContext, value: unknown): void {
  ctx.stdout.write(JSON.stringify(value, null, 2) + "\n");
}
