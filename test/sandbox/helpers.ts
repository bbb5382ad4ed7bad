// Shared helpers for the sandbox world tests: temp state files and captured CLI streams.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { main } from "../../src/cli.js";

export function tempDir(prefix = "acr-cmk-sandbox-"): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real command line in-process against ACR_CMK_HOME=`home`. */
export async function cli(home: string, ...argv: string[]): Promise<CliResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const stdin = new PassThrough();
  stdin.end();
  const code = await main(argv, { env: { ACR_CMK_HOME: home, NO_COLOR: "1" }, stdout, stderr, stdin });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
