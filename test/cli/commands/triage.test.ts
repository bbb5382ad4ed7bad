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

  it("reads a paste on a terminal until Ctrl-D, saying so on stderr", async () => {
    const result = await run(["triage"], { text: FIREWALL_AZ, tty: true });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("Paste the error text, then press Ctrl-D");
    expect(result.stdout).toContain("(firewall-403)");
    expect(result.stdout).not.toContain("Paste the error text");
  });

  it("answers an empty paste on a terminal with exit 2 and what to do", async () => {
    const result = await run(["triage"], { text: "\n", tty: true });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("paste it and press Ctrl-D");
  });

  it("names the registry in the suggested commands when the text holds its resource id", async () => {
    const id =
      "/subscriptions/1f3a5c7e-0000-4000-8000-000000000000/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/acrprod";
    const text = `Azure resource '${id}' does not have access to identity 'abc' Try forcibly adding the identity to the registry acrprod.`;
    const result = await run(["triage", text]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`acr-cmk run identity-removed --id ${id}`);
    expect(result.stdout).toContain(`acr-cmk recover --id ${id}`);
    expect(result.stdout).not.toContain("<registry>");
  });

  it("names the registry by name and group when the id's subscription is a placeholder", async () => {
    const text =
      "Azure resource ‘/subscriptions/xxxx/resourcegroups/myGroup/providers/Microsoft.ContainerRegistry/registries/myRegistry’ does not have access to identity ‘xxxx’ Try forcibly adding the identity to the registry <registry name>.";
    const result = await run(["--output", "json", "triage", text]);
    expect(JSON.parse(result.stdout)).toMatchObject({
      cause: "identity-removed",
      registry: { resourceGroup: "myGroup", name: "myRegistry" },
    });
    const plain = await run(["triage", text]);
    expect(plain.stdout).toContain("acr-cmk run identity-removed -g myGroup -r myRegistry");
  });

  it("says the runbooks are for registries when another service reports the cause", async () => {
    const text =
      "401 AzureKeyVaultKeyDisabled - The operation could not be completed on the server because the Azure Key Vault key is disabled.";
    const result = await run(["triage", text]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "This error comes from Azure SQL (transparent data encryption), not from a container registry",
    );
    expect(result.stdout).toContain("acr-cmk's runbooks repair registries");
    const json = await run(["--output", "json", "triage", text]);
    expect(JSON.parse(json.stdout)).toMatchObject({
      cause: "key-disabled",
      service: "Azure SQL (transparent data encryption)",
    });
  });

  it("carries --sandbox in the commands it suggests", async () => {
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await main(
      ["--sandbox", "/tmp/acr-cmk-triage-world.json", "triage", "Operation unwrapKey is not allowed on a disabled key"],
      {
        env: { ACR_CMK_HOME: "/nonexistent/acr-cmk-test" },
        stdout,
        stderr,
        stdin: Readable.from([]),
      },
    );
    expect(code).toBe(0);
    expect(stdout.text).toContain(
      "acr-cmk --sandbox /tmp/acr-cmk-triage-world.json run restore -g <resource-group> -r <registry>",
    );
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
