// `acr-cmk diagnose` end to end through main(): a temp ACR_CMK_HOME, a sandbox state file, real SDK clients.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { worldNow } from "../../src/sandbox/clock.js";
import { createWorld } from "../../src/sandbox/scenarios.js";
import { initFileStore } from "../../src/sandbox/store.js";

let home: string;
let state: string;

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = "";
  let stderr = "";
  const out = new PassThrough();
  const err = new PassThrough();
  out.on("data", (d: Buffer) => (stdout += d.toString()));
  err.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await main(argv, {
    env: { ACR_CMK_HOME: home, ...env },
    stdout: out,
    stderr: err,
    stdin: new PassThrough(),
  });
  return { code, stdout, stderr };
}

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "acr-cmk-diagnose-"));
  state = join(home, "world.json");
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("acr-cmk diagnose (CLI, sandbox)", () => {
  let target: string[];

  it("a fresh sandbox registry is healthy: exit 0", async () => {
    expect((await run(["--sandbox", state, "sandbox", "init"])).code).toBe(0);
    const status = await run(["--sandbox", state, "--output", "json", "sandbox", "status"]);
    const registry = (JSON.parse(status.stdout) as { registries: Array<{ name: string; resourceGroup: string }> })
      .registries[0]!;
    target = ["-g", registry.resourceGroup, "-r", registry.name];
    const result = await run(["--sandbox", state, "diagnose", ...target]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("Healthy");
    expect(result.code).toBe(0);
  });

  it("after `sandbox break key-deleted`, --output json names KEY_SOFT_DELETED → key-deleted and exits 1", async () => {
    expect((await run(["--sandbox", state, "sandbox", "break", "key-deleted"])).code).toBe(0);
    const result = await run(["--sandbox", state, "--output", "json", "diagnose", ...target]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as {
      healthy: boolean;
      findings: Array<{ id: string; runbook: string | null; command?: string }>;
    };
    expect(report.healthy).toBe(false);
    expect(report.findings[0]).toMatchObject({ id: "KEY_SOFT_DELETED", runbook: "key-deleted" });
    expect(report.findings[0]?.command).toBe(`acr-cmk --sandbox ${state} run key-deleted ${target.join(" ")}`);
  });

  it("an unknown registry exits 2 with a clear message and no stack trace", async () => {
    const result = await run(["--sandbox", state, "diagnose", "-g", target[1]!, "-r", "nosuchregistry"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /registry 'nosuchregistry' not found in resource group '.+' \(subscription [0-9a-f-]{36}\)/,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("a malformed resource id exits 2 naming the expected form", async () => {
    const result = await run(["--sandbox", state, "diagnose", "--id", "/subscriptions/abc/registries/x"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.ContainerRegistry/registries/<name>",
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("neither -g/-r nor --id exits 2", async () => {
    const result = await run(["--sandbox", state, "diagnose", "-r", "acrdemo"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/-g <resource-group> -r <registry>/);
  });

  it("cloud mode without a subscription exits 2 before any Azure call", async () => {
    const result = await run(["diagnose", "-g", "rg", "-r", "acrprod1"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/subscription/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("acr-cmk diagnose judges expiry by the sandbox clock", () => {
  it("a key 40 days from expiry is fine today and KEY_EXPIRING_SOON after `sandbox advance 15d`", async () => {
    const file = join(home, "clock.json");
    const world = createWorld({});
    const expires = new Date(worldNow(world).getTime() + 40 * 86_400_000).toISOString();
    for (const vault of Object.values(world.vaults)) {
      for (const key of Object.values(vault.keys)) for (const version of key.versions) version.exp = expires;
    }
    initFileStore(file, world);
    const registry = Object.values(world.registries)[0]!;
    const args = ["--sandbox", file, "--output", "json", "diagnose", "-g", registry.resourceGroup, "-r", registry.name];

    const before = await run(args);
    expect(before.code).toBe(0);
    expect((await run(["--sandbox", file, "sandbox", "advance", "15d"])).code).toBe(0);
    const after = await run(args);
    expect(after.code).toBe(1);
    const report = JSON.parse(after.stdout) as { findings: Array<{ id: string; runbook: string | null }> };
    expect(report.findings[0]).toMatchObject({ id: "KEY_EXPIRING_SOON", runbook: "rotate" });
  });
});
