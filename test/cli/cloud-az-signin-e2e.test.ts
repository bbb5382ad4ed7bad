// Cloud mode signed in the other way: `az login --service-principal` (any id and secret, as the proxy's pasted lines
// say) and NO secret in acr-cmk's environment, so DefaultAzureCredential falls through to AzureCliCredential, which
// runs the real Azure CLI for every token (Resource Manager's, and Key Vault's after its challenge names the tenant).
// The ends must match sandbox mode's, as with the client secret sign-in.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { diagnoseOutcome, groundTruth, runOutcome } from "../fixtures/cloud-outcomes.js";
import { azureCliAvailable, ProxiedAzure } from "../fixtures/proxied-azure.js";
import { CliSandbox } from "../fixtures/cli-sandbox.js";

// Each case spawns acr-cmk several times, and the real Azure CLI for every token: seconds on a quiet machine, far
// more while others load its two cores. Limits, not waits: a case ends the moment its last command does.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

const TARGET = ["-g", "rg-acr-cmk-demo", "-r", "acrcmkdemo"];

async function reference(init: string[], incident: string | undefined, args: string[][]) {
  const sandbox = new CliSandbox("acr-cmk-cloud-az-ref-");
  try {
    await sandbox.ok(["sandbox", "init", ...init]);
    if (incident) await sandbox.ok(["sandbox", "break", incident]);
    const results = [];
    for (const a of args) results.push(await sandbox.cli(a));
    return { results, truth: groundTruth(await sandbox.status()) };
  } finally {
    sandbox.remove();
  }
}

describe.skipIf(!azureCliAvailable())(
  "cloud mode signed in by `az login --service-principal` (no secret in the environment)",
  () => {
    let px: ProxiedAzure;
    beforeAll(async () => {
      px = await ProxiedAzure.start();
      await px.azLogin();
    });
    afterAll(async () => {
      await px?.close();
    });

    it("uses no client secret: the environment acr-cmk runs in has none", () => {
      const env = px.cloudEnv("az", px.folder);
      expect(env.AZURE_CLIENT_SECRET).toBeUndefined();
      expect(env.AZURE_CLIENT_ID).toBeUndefined();
      expect(env.AZURE_CONFIG_DIR).toBe(px.azureConfigDir);
    });

    const CASES = [
      {
        name: "vault-deleted: diagnose, then recover --yes",
        init: [] as string[],
        incident: "vault-deleted",
        run: "recover",
      },
      {
        name: "key-deleted (RBAC vault): diagnose, then recover --yes",
        init: ["--access", "rbac"],
        incident: "key-deleted",
        run: "recover",
      },
      {
        name: "pinned key: diagnose, then rotate --yes",
        init: ["--key-version", "pinned"],
        incident: undefined,
        run: "rotate",
      },
    ];
    for (const c of CASES) {
      it(`${c.name} end as in sandbox mode`, async () => {
        const args = [
          ["diagnose", ...TARGET, "--output", "json"],
          [c.run, ...TARGET, "--yes", "--output", "json"],
        ];
        const cloud = async () => {
          await px.reset(c.init, c.incident ? [c.incident] : []);
          const home = px.newHome("az");
          const results = [];
          for (const a of args) results.push(await px.cloud(a, { signIn: "az", home }));
          return { results, truth: groundTruth(await px.status()) };
        };
        const [expected, actual] = await Promise.all([reference(c.init, c.incident, args), cloud()]);
        const transcript = actual.results.map((r) => `exit ${r.code}\n${r.stderr}`).join("\n");
        expect(
          actual.results.map((r) => r.code),
          transcript,
        ).toEqual(expected.results.map((r) => r.code));
        expect(diagnoseOutcome(actual.results[0]!)).toEqual(diagnoseOutcome(expected.results[0]!));
        expect(runOutcome(actual.results[1]!)).toEqual(runOutcome(expected.results[1]!));
        expect(actual.truth).toEqual(expected.truth);
        expect(actual.truth.registries[0]?.healthy).toBe(true);
      });
    }

    it("without any sign-in, fails with exit 3 and says how to sign in, changing nothing", async () => {
      await px.reset();
      const before = (await px.status()).registries;
      const env = px.cloudEnv("az", px.newHome("none"));
      const fresh = `${px.folder}/azure-cli-signed-out`;
      const result = await px.cloud(["diagnose", ...TARGET], {
        signIn: "az",
        home: env.ACR_CMK_HOME!,
        azureConfigDir: fresh,
      });
      expect(result.code, result.stderr).toBe(3);
      expect(result.stderr).toMatch(/az login/);
      expect((await px.status()).registries).toEqual(before);
    });
  },
);
