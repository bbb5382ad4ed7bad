import { Readable, Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { main } from "../../../src/cli.js";
import { MAX_TRIAGE_INPUT_BYTES } from "../../../src/cli/commands/triage.js";

class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], stdin: { text?: string; tty?: boolean } = {}): Promise<Run> {
  const stdout = new Capture();
  const stderr = new Capture();
  const input = Readable.from(stdin.text === undefined ? [] : [Buffer.from(stdin.text, "utf8")]) as Readable & {
    isTTY?: boolean;
  };
  if (stdin.tty) input.isTTY = true;
  const code = await main(argv, { env: { ACR_CMK_HOME: "/nonexistent/acr-cmk-test" }, stdout, stderr, stdin: input });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const FIREWALL_AZ = `(Forbidden) Client address is not authorized and caller is not a trusted service.
Client address: 20.111.13.60
Vault: kv-acr-prod;location=westeurope
Code: Forbidden
Inner error: {
    "code": "ForbiddenByFirewall"
}`;

describe("acr-cmk triage", () => {
  it("names the cause, the runbook and the evidence for text given as arguments", async () => {
    const result = await run([
      "triage",
      "Operation",
      "unwrapKey",
      "is",
      "not",
      "allowed",
      "on",
      "a",
      "disabled",
      "key",
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("(key-disabled)");
    expect(result.stdout).toContain("acr-cmk run restore -g <resource-group> -r <registry>");
    expect(result.stdout).toContain("acr-cmk recover -g <resource-group> -r <registry>");
    expect(result.stdout).toContain('Evidence: "Operation unwrapKey is not allowed on a disabled key"');
    expect(result.stdout.trim().split("\n")).toHaveLength(1);
  });

  it("reads the whole of stdin when no text is given", async () => {
    const result = await run(["triage"], { text: FIREWALL_AZ });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("(firewall-403)");
    expect(result.stdout).toContain("acr-cmk run firewall-403");
  });

  it("prints exactly one JSON document with --output json", async () => {
    const result = await run(["--output", "json", "triage"], { text: FIREWALL_AZ });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      cause: "firewall-403",
      runbook: "firewall-403",
      evidence: "Client address is not authorized and caller is not a trusted service",
    });
  });

  it("answers unknown with exit 1 and a null runbook, so a script never starts a runbook on a guess", async () => {
    const result = await run(["--output", "json", "triage", 'manifest unknown: manifest tagged by "v9" is not found']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({ cause: "unknown", runbook: null, evidence: "" });
  });

  it("points at diagnose in text mode when the cause is unknown", async () => {
    const result = await run(["triage", "TOOMANYREQUESTS: too many requests"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("cause: unknown");
    expect(result.stdout).toContain("acr-cmk diagnose -g <resource-group> -r <registry>");
  });

  it("rejects empty stdin with exit 2 and a clear message, printing nothing on stdout", async () => {
    const result = await run(["--output", "json", "triage"], { text: "  \n\t" });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    // --output json: the error is one JSON document on stderr.
    const { error } = JSON.parse(result.stderr) as { error: { code: string; message: string } };
    expect(error.code).toBe("usage");
    expect(error.message).toContain("no error text to triage");
  });

  it("rejects an empty argument with exit 2", async () => {
    const result = await run(["triage", ""]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("no error text to triage");
  });

  it("does not wait on an interactive terminal: exit 2 with what to do", async () => {
    const result = await run(["triage"], { tty: true });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("pipe it on stdin");
  });

  it("rejects oversized input with exit 2", async () => {
    const result = await run(["triage"], { text: "x".repeat(MAX_TRIAGE_INPUT_BYTES + 1) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("larger than");
  });

  it("rejects binary input with exit 2", async () => {
    const result = await run(["triage"], { text: "KeyDisabled\u0000\u0001" });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("binary");
  });
});
