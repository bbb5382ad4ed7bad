import type { CmkAzure } from "../azure/types.js";

export type OutputFormat = "text" | "json";

/** Global options of every command (CONTRACT.md). */
export interface GlobalOptions {
  subscription?: string;
  /** Absolute path of the sandbox state file when sandbox mode is on. */
  sandbox?: string;
  output: OutputFormat;
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
}

export function printJson(ctx: CliContext, value: unknown): void {
  ctx.stdout.write(JSON.stringify(value, null, 2) + "\n");
}
