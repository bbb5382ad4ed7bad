// Cloud mode end to end for the deliberate runbooks: `revoke --method …`, `restore` and `rotate` run by acr-cmk
// WITHOUT --sandbox through `sandbox serve --proxy` (client secret sign-in), each compared with the same command in
// sandbox mode: exit code, run status, every step's outcome, and the ground truth after each command.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { groundTruth, runOutcome } from "../fixtures/cloud-outcomes.js";
import { ProxiedAzure } from "../fixtures/proxied-azure.js";
import { CliSandbox } from "../fixtures/cli-sandbox.js";

// Each case runs three commands twice (a spawned acr-cmk in cloud mode, and the same in sandbox mode): seconds on a
// quiet machine, far more while others load its two cores. Limits, not waits: a case ends with its last command.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

const TARGET = ["-g", "rg-acr-cmk-demo", "-r", "acrcmkdemo"];
/** Automatic rotation is picked up in moments instead of Azure's hour (as the sandbox-mode round trip does). */
const QUICK_PICKUP = { rotationPickupMs: 300 };

const CASES = [
  { method: "access-policy", init: [] as string[] },
  { method: "role-assignment", init: ["--access", "rbac"] },
  { method: "disable-key", init: [] as string[] },
  { method: "access-policy", init: ["--key-version", "pinned"] },
];

function commands(method: string): string[][] {
  return [
    ["revoke", ...TARGET, "--yes", "--method", method, "--output", "json"],
    ["restore", ...TARGET, "--yes", "--output", "json"],
    ["rotate", ...TARGET, "--yes", "--output", "json"],
  ];
}

async function inSandboxMode(method: string, init: string[]) {
  const sandbox = new CliSandbox(`acr-cmk-cloud-ref-${method}-`);
  try {
    await sandbox.ok(["sandbox", "init", ...init]);
    sandbox.store.update((world) => void Object.assign(world.settings, QUICK_PICKUP));
    const steps = [];
    for (const args of commands(method)) {
      steps.push({ run: runOutcome(await sandbox.cli(args)), truth: groundTruth(await sandbox.status()) });
    }
    return steps;
  } finally {
    sandbox.remove();
  }
}

async function inCloudMode(px: ProxiedAzure, method: string, init: string[]) {
  await px.reset(init, [], QUICK_PICKUP);
  const home = px.newHome(method);
  const steps = [];
  let transcript = "";
  for (const args of commands(method)) {
    const result = await px.cloud(args, { signIn: "secret", home });
    transcript += `${args[0]} (exit ${result.code}):\n${result.stderr}\n`;
    steps.push({ run: runOutcome(result), truth: groundTruth(await px.status()) });
  }
  return { steps, transcript };
}

let px: ProxiedAzure;
beforeAll(async () => {
  px = await ProxiedAzure.start();
});
afterAll(async () => {
  await px?.close();
});

/**
 * Whether the rotation waits for the registry to pick its new key version up depends on the wall time between the
 * rotation and the check (the two modes run side by side, the cloud one slower under load): waited or not, the wait
 * step ended well; every other step must match exactly.
 */
function pickupTimed<T extends { run: { steps: string[] } }>(steps: T[]): T[] {
  return steps.map((s) => ({
    ...s,
    run: {
      ...s.run,
      steps: s.run.steps.map((step) => step.replace(/^wait-pickup:(done|skipped)$/, "wait-pickup:ended")),
    },
  }));
}

describe("revoke → restore → rotate in cloud mode through the proxy", () => {
  for (const { method, init } of CASES) {
    it(`${init.join(" ") || "default"}: revoke --method ${method}, restore, rotate end as in sandbox mode`, async () => {
      const [reference, cloud] = await Promise.all([inSandboxMode(method, init), inCloudMode(px, method, init)]);
      expect(pickupTimed(cloud.steps), cloud.transcript).toEqual(pickupTimed(reference));
      // The round trip really went somewhere: revoked (unhealthy), then healthy again after restore and rotate.
      expect(cloud.steps.map((s) => s.truth.registries[0]?.healthy)).toEqual([false, true, true]);
      expect(cloud.steps.map((s) => s.run.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
    });
  }
});
