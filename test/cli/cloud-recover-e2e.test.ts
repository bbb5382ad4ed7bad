// Cloud mode end to end: acr-cmk WITHOUT --sandbox, signed in with AZURE_CLIENT_ID/AZURE_CLIENT_SECRET/AZURE_TENANT_ID
// (DefaultAzureCredential → EnvironmentCredential, MSAL against the simulated Entra ID), every request through
// `sandbox serve --proxy` on the SDK's own HTTP stack and proxy support. For every incident, `diagnose` and
// `recover --yes` must reach the ends they reach in sandbox mode: exit codes, findings, run status, step outcomes,
// and the sandbox's ground truth afterwards.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diagnoseOutcome, groundTruth, runOutcome } from "../fixtures/cloud-outcomes.js";
import { ProxiedAzure } from "../fixtures/proxied-azure.js";
import { CliSandbox } from "../fixtures/cli-sandbox.js";

const INCIDENTS: Array<{ incident: string; scenario?: string }> = [
  { incident: "key-deleted" },
  { incident: "vault-deleted" },
  { incident: "key-purged" },
  { incident: "vault-purged" },
  { incident: "identity-removed" },
  { incident: "system-identity-removed", scenario: "system-identity" },
  { incident: "firewall-403" },
  { incident: "access-revoked" },
  { incident: "key-disabled" },
  { incident: "key-expired" },
];

const TARGET = ["-g", "rg-acr-cmk-demo", "-r", "acrcmkdemo"];

/** What sandbox mode (in-process, `--sandbox`) makes of the incident: the reference. */
async function inSandboxMode(incident: string, initArgs: string[]) {
  const sandbox = new CliSandbox(`acr-cmk-cloud-ref-${incident}-`);
  try {
    await sandbox.ok(["sandbox", "init", ...initArgs]);
    await sandbox.ok(["sandbox", "break", incident]);
    const diagnose = diagnoseOutcome(await sandbox.cli(["diagnose", ...TARGET, "--output", "json"]));
    const recover = runOutcome(await sandbox.cli(["recover", ...TARGET, "--yes", "--output", "json"]));
    return { diagnose, recover, truth: groundTruth(await sandbox.status()) };
  } finally {
    sandbox.remove();
  }
}

async function inCloudMode(px: ProxiedAzure, incident: string, initArgs: string[]) {
  await px.reset(initArgs, [incident]);
  const home = px.newHome(incident);
  const diagnose = await px.cloud(["diagnose", ...TARGET, "--output", "json"], { signIn: "secret", home });
  const recover = await px.cloud(["recover", ...TARGET, "--yes", "--output", "json"], { signIn: "secret", home });
  const transcript = `diagnose (exit ${diagnose.code}):\n${diagnose.stderr}\nrecover (exit ${recover.code}):\n${recover.stderr}`;
  expect([diagnose.code, recover.code], transcript).not.toContain(3);
  return {
    outcome: {
      diagnose: diagnoseOutcome(diagnose),
      recover: runOutcome(recover),
      truth: groundTruth(await px.status()),
    },
    transcript,
  };
}

let px: ProxiedAzure;
beforeAll(async () => {
  px = await ProxiedAzure.start();
});
afterAll(async () => {
  await px?.close();
});

describe("cloud mode through the proxy (client secret sign-in), per incident", () => {
  for (const { incident, scenario } of INCIDENTS) {
    it(`${incident}${scenario ? ` (scenario ${scenario})` : ""}: diagnose and recover --yes end as in sandbox mode`, async () => {
      const initArgs = scenario ? ["--scenario", scenario] : [];
      const [reference, cloud] = await Promise.all([
        inSandboxMode(incident, initArgs),
        inCloudMode(px, incident, initArgs),
      ]);
      expect(cloud.outcome, cloud.transcript).toEqual(reference);
      // Nothing in acr-cmk ever purges, in cloud mode either.
      const purges = px
        .takeRequests()
        .filter(
          (r) =>
            (r.method === "POST" && /\/purge$/i.test(r.path)) ||
            (r.method === "DELETE" && /^\/deletedkeys\//i.test(r.path)),
        );
      expect(purges).toEqual([]);
    });
  }
});
