// `acr-cmk sandbox serve --proxy`: one JSON line for machines (by default and with --output json), the lines to paste
// for a person (--output text), and a clean exit on SIGINT/SIGTERM. The spawned case runs dist/: `npm test` builds.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { serveSandbox } from "../../src/cli/commands/sandbox.js";
import type { StartSandboxProxy } from "../../src/cli/commands/sandbox-proxy.js";
import type { CliContext, GlobalOptions } from "../../src/cli/context.js";
import { Capture, cli, tempDir } from "../fixtures/cli-capture.js";
import { fetchVia } from "../sandbox/proxy/client.js";

const BIN = fileURLToPath(new URL("../../bin/acr-cmk.js", import.meta.url));

let temp: ReturnType<typeof tempDir>;
beforeEach(async () => {
  temp = tempDir("acr-cmk-serve-proxy-");
  expect((await cli(temp.dir, "sandbox", "init")).code).toBe(0);
});
afterEach(() => temp.cleanup());

const FAKE = {
  url: "https://127.0.0.1:4443",
  caCertPath: "/tmp/proxy ca.pem",
  proxyUrl: "http://127.0.0.1:8080",
  tenantId: "11111111-1111-1111-1111-111111111111",
  subscriptionId: "22222222-2222-2222-2222-222222222222",
};

async function serveWith(globals: Partial<GlobalOptions>) {
  const stdout = new Capture();
  const stderr = new Capture();
  const ctx: CliContext = {
    globals: {
      sandbox: join(temp.dir, "sandbox.json"),
      output: "text",
      color: false,
      verbose: false,
      home: temp.dir,
      ...globals,
    },
    env: {},
    stdout,
    stderr,
    stdin: process.stdin,
    azure: () => Promise.reject(new Error("serve does not use the Azure port")),
  };
  let closed = false;
  let port: number | undefined;
  const startProxy: StartSandboxProxy = async (options) => {
    port = options.port;
    return { ...FAKE, close: async () => void (closed = true) };
  };
  const code = await serveSandbox(ctx, { proxy: true, port: "8080" }, { stop: () => Promise.resolve(), startProxy });
  return { code, stdout: stdout.text, stderr: stderr.text, closed, port };
}

describe("sandbox serve --proxy", () => {
  it("prints exactly one JSON line with url, caCertPath, proxyUrl, tenantId and subscriptionId by default", async () => {
    const served = await serveWith({});
    expect(served.code).toBe(0);
    expect(served.port).toBe(8080);
    expect(served.closed).toBe(true);
    expect(served.stdout).toBe(`${JSON.stringify(FAKE)}\n`);
    expect(Object.keys(JSON.parse(served.stdout))).toEqual([
      "url",
      "caCertPath",
      "proxyUrl",
      "tenantId",
      "subscriptionId",
    ]);
  });

  it("prints the same one line with --output json", async () => {
    const served = await serveWith({ output: "json", outputChosen: true });
    expect(served.stdout).toBe(`${JSON.stringify(FAKE)}\n`);
  });

  it("prints the lines a person pastes with --output text", async () => {
    const served = await serveWith({ output: "text", outputChosen: true });
    expect(served.stdout).toContain(
      `export HTTPS_PROXY=${FAKE.proxyUrl} REQUESTS_CA_BUNDLE='${FAKE.caCertPath}' NODE_EXTRA_CA_CERTS='${FAKE.caCertPath}' AZURE_SUBSCRIPTION_ID=${FAKE.subscriptionId}`,
    );
    expect(served.stdout).toContain('export AZURE_CONFIG_DIR="$(mktemp -d)"');
    expect(served.stdout).toContain(
      `az login --service-principal -u sandbox-operator -p any-secret --tenant ${FAKE.tenantId}`,
    );
    expect(served.stdout).not.toContain("{");
  });

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`serves through the proxy until ${signal}, then exits 0 and removes its CA file`, async () => {
      const child = spawn(process.execPath, [BIN, "sandbox", "serve", "--proxy"], {
        env: { PATH: process.env.PATH, ACR_CMK_HOME: temp.dir },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
      const line = await new Promise<string>((resolve) =>
        createInterface({ input: child.stdout }).once("line", resolve),
      );
      const printed = JSON.parse(line) as typeof FAKE;
      const world = JSON.parse(readFileSync(join(temp.dir, "sandbox.json"), "utf8")) as {
        subscriptionId: string;
        tenantId: string;
      };
      expect(printed).toMatchObject({ subscriptionId: world.subscriptionId, tenantId: world.tenantId });
      const ca = readFileSync(printed.caCertPath, "utf8");
      const answer = await fetchVia(
        printed.proxyUrl,
        ca,
        `https://management.azure.com/subscriptions?api-version=2022-12-01`,
        { headers: { authorization: "Bearer x" } },
      );
      expect(answer.status).toBe(200);
      child.kill(signal);
      expect(await exited).toBe(0);
      expect(existsSync(printed.caCertPath)).toBe(false);
    });
  }
});
