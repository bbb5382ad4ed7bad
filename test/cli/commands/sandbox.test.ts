import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { serveSandbox, type StartSandboxServer } from "../../../src/cli/commands/sandbox.js";
import type { CliContext } from "../../../src/cli/context.js";
import { fileStore, type WorldStore } from "../../../src/sandbox/index.js";
import { Capture, cli, tempDir } from "../../fixtures/cli-capture.js";
import { until } from "../../fixtures/until.js";

let temp: ReturnType<typeof tempDir>;
let stateFile: string;
beforeEach(() => {
  temp = tempDir();
  stateFile = join(temp.dir, "sandbox.json");
});
afterEach(() => temp.cleanup());

async function init(...args: string[]) {
  const result = await cli(temp.dir, "sandbox", "init", ...args);
  expect(result.code, result.stderr).toBe(0);
  return result;
}

describe("acr-cmk sandbox (command line)", () => {
  it("init → break key-deleted → status shows the registry cannot read its key and why", async () => {
    const created = await init();
    expect(created.stdout).toContain("acrcmkdemo");
    expect(created.stdout).toContain("kv-acr-cmk-demo");
    expect(created.stdout).toContain("rg-acr-cmk-demo");
    expect(existsSync(stateFile)).toBe(true);

    const ok = await cli(temp.dir, "sandbox", "status", "--output", "json");
    expect(ok.code).toBe(0);
    const healthy = JSON.parse(ok.stdout);
    expect(Object.keys(healthy)).toEqual(["subscriptionId", "registries", "vaults"]);
    expect(Object.keys(healthy.registries[0])).toEqual(["id", "name", "resourceGroup", "healthy", "reason"]);
    expect(Object.keys(healthy.vaults[0])).toEqual(["id", "name", "vaultUri", "deleted"]);
    expect(healthy.registries[0]).toMatchObject({ name: "acrcmkdemo", healthy: true, reason: null });
    expect(healthy.vaults[0]).toMatchObject({ vaultUri: "https://kv-acr-cmk-demo.vault.azure.net/", deleted: false });

    const broke = await cli(temp.dir, "sandbox", "break", "key-deleted");
    expect(broke.code, broke.stderr).toBe(0);
    expect(broke.stdout).toMatch(/soft-deleted key 'acr-cmk' in vault 'kv-acr-cmk-demo'/);

    const after = await cli(temp.dir, "sandbox", "status", "--output", "json");
    expect(after.code).toBe(1);
    expect(JSON.parse(after.stdout).registries[0]).toMatchObject({
      healthy: false,
      reason: expect.stringMatching(/key 'acr-cmk' in vault 'kv-acr-cmk-demo' is soft-deleted/),
    });

    const text = await cli(temp.dir, "sandbox", "status");
    expect(text.stdout).toMatch(/acrcmkdemo\s+rg-acr-cmk-demo\s+UNHEALTHY\s+key 'acr-cmk'/);
  });

  it("init --output json prints exactly one document describing the world", async () => {
    const result = await init("--scenario", "fleet", "--registries", "2", "--access", "rbac", "--output", "json");
    const summary = JSON.parse(result.stdout);
    expect(summary.scenario).toBe("fleet");
    expect(summary.registries.map((r: { name: string; access: string }) => [r.name, r.access])).toEqual([
      ["acrcmkdemo01", "rbac"],
      ["acrcmkdemo02", "rbac"],
    ]);
  });

  // Bad options, unknown incidents and incidents the world refuses (wrong scenario, unknown registry) alike.
  it.each([
    [["init", "--scenario", "chaos"], /unknown scenario 'chaos'; scenarios: default/],
    [["init", "--identity", "robot"], /--identity must be one of user, system \(got 'robot'\)/],
    [["init", "--access", "acl"], /--access must be one of policy, rbac/],
    [["init", "--key-version", "oldest"], /--key-version must be one of latest, pinned/],
    [["init", "--registries", "0"], /--registries must be from 1 to 50/],
    [["init", "--registries", "two"], /--registries must be a whole number/],
    [["break", "key-stolen"], /unknown incident 'key-stolen'; valid incidents: key-deleted, vault-deleted, key-purged/],
    [["break", "system-identity-removed"], /sandbox init --scenario system-identity/],
    [["break", "key-deleted", "-r", "nope"], /no registry 'nope'/],
  ])("sandbox %j → exit 2 with a clear message, state file untouched", async (args, message) => {
    await init();
    const before = readFileSync(stateFile, "utf8");
    const result = await cli(temp.dir, "sandbox", ...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(readFileSync(stateFile, "utf8")).toBe(before);
  });

  it("a corrupt state file → exit 2 naming the file, left untouched", async () => {
    writeFileSync(stateFile, "{ not json");
    for (const args of [["status"], ["break", "key-deleted"], ["advance", "1h"]]) {
      const result = await cli(temp.dir, "sandbox", ...args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toContain(`sandbox state file ${stateFile} is not valid JSON`);
      expect(result.stderr).toContain("acr-cmk sandbox init");
    }
    expect(readFileSync(stateFile, "utf8")).toBe("{ not json");
  });

  it("no state file → exit 2 telling how to start", async () => {
    const result = await cli(temp.dir, "sandbox", "status");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`no sandbox at ${stateFile}: run \`acr-cmk sandbox init\``);
  });

  it("no state file → a diagnose says how to start, once", async () => {
    const result = await cli(temp.dir, "--sandbox", "diagnose", "-g", "rg", "-r", "acrcmkdemo");
    expect(result.code).toBe(2);
    expect(result.stderr.match(/sandbox init/g)).toHaveLength(1);
  });

  it("advance moves the clock: a removed identity lapses after 90 days", async () => {
    await init();
    await cli(temp.dir, "sandbox", "break", "identity-removed");
    const during = await cli(temp.dir, "sandbox", "status", "--output", "json");
    // Degraded (still reads, rotation fails): a problem, as diagnose says for the same state.
    expect(during.code).toBe(1);
    const advanced = await cli(temp.dir, "sandbox", "advance", "90d");
    expect(advanced.code, advanced.stderr).toBe(0);
    expect(advanced.stdout).toMatch(/moved forward 90d/);
    expect(advanced.stdout).toMatch(/acrcmkdemo: UNHEALTHY — identity 'id-acr-cmk' was removed/);
    const after = await cli(temp.dir, "sandbox", "status", "--output", "json");
    expect(after.code).toBe(1);
    expect(JSON.parse(after.stdout).registries[0].reason).toMatch(/credential lapsed/);
  });

  it.each(["soon", "-1d", "0s"])("advance %s → exit 2, clock untouched", async (duration) => {
    await init();
    const before = readFileSync(stateFile, "utf8");
    const result = await cli(temp.dir, "sandbox", "advance", duration);
    expect(result.code).toBe(2);
    expect(readFileSync(stateFile, "utf8")).toBe(before);
  });

  it("honours --sandbox <file> instead of the home folder", async () => {
    const custom = join(temp.dir, "drill", "world.json");
    const result = await cli(temp.dir, "--sandbox", custom, "sandbox", "init");
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(custom)).toBe(true);
    expect(existsSync(stateFile)).toBe(false);
  });
});

describe("sandbox serve", () => {
  function context(stdout: Capture, stderr: Capture): CliContext {
    return {
      globals: { sandbox: stateFile, output: "text", color: false, verbose: false, home: temp.dir },
      env: {},
      stdout,
      stderr,
      stdin: process.stdin,
      azure: () => Promise.reject(new Error("serve does not use the Azure port")),
    };
  }

  it("prints one JSON line with url and caCertPath, serves until stopped, then closes", async () => {
    await init();
    const stdout = new Capture();
    const stderr = new Capture();
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    let closed = false;
    let seen: { store: WorldStore; port?: number; host?: string; latencyMs?: number } | undefined;
    const start: StartSandboxServer = async (options) => {
      seen = options;
      return { url: "https://127.0.0.1:4443", caCertPath: "/tmp/ca.pem", close: async () => void (closed = true) };
    };
    const serving = serveSandbox(
      context(stdout, stderr),
      { port: "4443", latency: "25" },
      { stop: () => stopped, start },
    );
    await until("the server's address on stdout", () => stdout.text.endsWith("\n"));
    expect(stdout.text).toBe('{"url":"https://127.0.0.1:4443","caCertPath":"/tmp/ca.pem"}\n');
    expect(closed).toBe(false);
    expect(seen).toMatchObject({ port: 4443, host: "127.0.0.1", latencyMs: 25 });
    expect(seen?.store.path).toBe(stateFile);
    expect(seen?.store.read().subscriptionId).toBe(fileStore(stateFile).read().subscriptionId);
    stop();
    await expect(serving).resolves.toBe(0);
    expect(closed).toBe(true);
  });

  it("serves the state file over HTTPS with the real server until stopped", async () => {
    await init();
    const stdout = new Capture();
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const serving = serveSandbox(context(stdout, new Capture()), {}, { stop: () => stopped });
    await expect.poll(() => stdout.text, { timeout: 10_000 }).toMatch(/\n$/);
    const lines = stdout.text.trim().split("\n");
    expect(lines).toHaveLength(1);
    const { url, caCertPath } = JSON.parse(lines[0] ?? "") as { url: string; caCertPath: string };
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = readFileSync(caCertPath, "utf8");
    expect(ca).toContain("BEGIN CERTIFICATE");
    // A change made by another command is seen by the running server at its next request.
    await cli(temp.dir, "sandbox", "break", "identity-removed");
    const subscriptionId = fileStore(stateFile).read().subscriptionId;
    const path = `/subscriptions/${subscriptionId}/resourceGroups/rg-acr-cmk-demo/providers/Microsoft.ContainerRegistry/registries/acrcmkdemo?api-version=2025-11-01`;
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest(`${url}${path}`, { ca, headers: { authorization: "Bearer sandbox" } }, (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("end", () => resolve(text));
      });
      req.on("error", reject);
      req.end();
    });
    const registry = JSON.parse(body) as {
      name: string;
      identity?: { userAssignedIdentities?: Record<string, unknown> };
    };
    expect(registry.name).toBe("acrcmkdemo");
    expect(Object.keys(registry.identity?.userAssignedIdentities ?? {})).toEqual([]);
    stop();
    await expect(serving).resolves.toBe(0);
  });

  it("refuses a bad port or a missing state file before listening", async () => {
    const stdout = new Capture();
    const start: StartSandboxServer = () => Promise.reject(new Error("must not start"));
    await expect(
      serveSandbox(context(stdout, new Capture()), {}, { stop: () => Promise.resolve(), start }),
    ).rejects.toThrow(/no sandbox at/);
    await init();
    await expect(
      serveSandbox(context(stdout, new Capture()), { port: "99999" }, { stop: () => Promise.resolve(), start }),
    ).rejects.toThrow(/--port must be from 0 to 65535/);
    expect(stdout.text).toBe("");
  });
});
