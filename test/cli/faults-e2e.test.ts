// Throttling and server errors injected into the sandbox (world.settings.faults), end to end through the CLI: a
// short burst is retried by the SDK and the run completes; a lasting outage stops the run at a resumable state with
// a clear message (exit 3), nothing half-done, and `runs resume <id> --yes` finishes it once Azure answers again.
import { afterAll, describe, expect, it } from "vitest";
import type { FaultRule } from "../../src/sandbox/index.js";
import { CliSandbox, type CliResult } from "../fixtures/cli-sandbox.js";

interface RunJson {
  run: { id: string; status: string; error?: { step: string; cause: string; message: string; requestId?: string } };
  audit: Array<{ action: string; outcome: string; azureRequestId?: string; details: Record<string, unknown> }>;
}

const sandboxes: CliSandbox[] = [];
afterAll(() => {
  for (const sandbox of sandboxes) sandbox.remove();
});

async function brokenSandbox(incident: string) {
  const sandbox = new CliSandbox(`acr-cmk-faults-${incident}-`);
  sandboxes.push(sandbox);
  await sandbox.ok(["sandbox", "init"]);
  await sandbox.ok(["sandbox", "break", incident]);
  const registry = (await sandbox.status()).registries[0]!;
  expect((await sandbox.diagnose(registry.resourceGroup, registry.name)).body.healthy).toBe(false);
  return { sandbox, target: ["-g", registry.resourceGroup, "-r", registry.name] };
}

function inject(sandbox: CliSandbox, ...faults: FaultRule[]): void {
  sandbox.store.update((world) => {
    world.settings.faults = faults;
  });
}

function transcript(result: CliResult): string {
  return `${result.stdout}\n${result.stderr}`;
}

async function expectHealthy(sandbox: CliSandbox, target: string[]): Promise<void> {
  expect((await sandbox.status()).registries[0]).toMatchObject({ healthy: true, reason: null });
  const diagnosis = await sandbox.diagnose(target[1]!, target[3]!);
  expect(diagnosis.body.healthy, JSON.stringify(diagnosis.body.findings)).toBe(true);
}

/** `recover --yes` while a fault lasts: exit 3, a stop reason and the resume command; returns the run id. */
async function recoverStopsAtFault(sandbox: CliSandbox, target: string[]): Promise<string> {
  const stopped = await sandbox.cli(["recover", ...target, "--yes"]);
  expect(stopped.code, transcript(stopped)).toBe(3);
  const runId = /^Run (\S+) failed\.$/m.exec(stopped.stdout)?.[1];
  expect(runId, stopped.stdout).toBeDefined();
  expect(stopped.stdout).toMatch(/^Stopped at .+: .+/m);
  expect(stopped.stdout).toContain(`runs resume ${runId}`);
  return runId!;
}

/** Azure answers again: `runs resume --yes` finishes the run, the registry is healthy, nothing purged, audit intact. */
async function resumeToHealthy(sandbox: CliSandbox, target: string[], runId: string): Promise<void> {
  inject(sandbox);
  const resumed = await sandbox.cli(["runs", "resume", runId, "--yes"]);
  expect(resumed.code, transcript(resumed)).toBe(0);
  expect(resumed.stdout).toContain(`Run ${runId} succeeded.`);
  await expectHealthy(sandbox, target);
  expect(sandbox.world().counters.purgeRequests).toBe(0);
  expect((await sandbox.cli(["audit", "verify"])).code).toBe(0);
}

describe.concurrent("injected 429 / 5xx", () => {
  it.each([
    {
      incident: "key-deleted",
      burst: "two 429s on the key recovery",
      fault: { match: "/^POST .*\\/deletedkeys\\/[^/?]+\\/recover/i", status: 429 },
    },
    {
      incident: "identity-removed",
      burst: "two 503s on the registry update",
      fault: { match: "/^(PUT|PATCH) .*\\/microsoft\\.containerregistry\\/registries\\/[^/?]+\\?/i", status: 503 },
    },
  ] as const)("$incident: $burst are retried by the SDK and the run completes", async ({ incident, fault }) => {
    const { sandbox, target } = await brokenSandbox(incident);
    inject(sandbox, { ...fault, retryAfterSeconds: 0, remaining: 2 });
    const recover = await sandbox.cli(["recover", ...target, "--yes"]);
    expect(recover.code, transcript(recover)).toBe(0);
    // Both faults fired (the sandbox removes a rule once its budget is used up).
    expect(sandbox.world().settings.faults).toEqual([]);
    await expectHealthy(sandbox, target);
    expect(sandbox.world().counters.purgeRequests).toBe(0);
  });

  it("access-revoked: a lasting 500 on the access policy change stops at a resumable state (exit 3); resume finishes", async () => {
    const { sandbox, target } = await brokenSandbox("access-revoked");
    const policiesBefore = JSON.stringify(Object.values(sandbox.world().vaults)[0]!.accessPolicies);
    inject(sandbox, { match: "/^PUT .*\\/accessPolicies\\/add/i", status: 500, retryAfterSeconds: 0 });

    const runId = await recoverStopsAtFault(sandbox, target);
    // Nothing half-done: the vault's access policies are exactly as the incident left them.
    expect(JSON.stringify(Object.values(sandbox.world().vaults)[0]!.accessPolicies)).toBe(policiesBefore);
    expect((await sandbox.status()).registries[0]?.healthy).toBe(false);

    const shown = await sandbox.json<RunJson>(["runs", "show", runId]);
    expect(shown.body.run.status).toBe("failed");
    const failedWrite = shown.body.audit.find((e) => e.action === "azure-write" && e.outcome.startsWith("failed"));
    expect(failedWrite?.azureRequestId, JSON.stringify(shown.body.audit)).toBeTruthy();

    // While Azure still fails, a resume stops again at the same place, still with exit 3.
    const again = await sandbox.cli(["runs", "resume", runId, "--yes"]);
    expect(again.code, transcript(again)).toBe(3);

    await resumeToHealthy(sandbox, target, runId);
  });

  it("vault-deleted: a lasting 503 on the vault recovery stops the run (exit 3); resume completes the recovery", async () => {
    const { sandbox, target } = await brokenSandbox("vault-deleted");
    // The recovery PUT of the vault (createMode recover): the run stops between its approval and its verify.
    inject(sandbox, {
      match: "/^PUT .*\\/providers\\/Microsoft\\.KeyVault\\/vaults\\/[^/?]+\\?/i",
      status: 503,
      retryAfterSeconds: 0,
    });
    const runId = await recoverStopsAtFault(sandbox, target);
    expect(Object.values(sandbox.world().vaults)[0]!.deleted).toBeDefined();

    await resumeToHealthy(sandbox, target, runId);
  });
});
