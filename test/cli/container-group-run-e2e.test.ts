// Runs for an ACI container group, end to end through the CLI as an on-call engineer types them: `sandbox init
// --container-groups 1 --keys 1` (a group sharing a registry's key, vault and identity) → `sandbox break <incident>` →
// `recover --id <group id>` / `run key-deleted|restore --id <group id>` → the group's health in `sandbox status` and
// `diagnose --id`. A problem only a redeploy fixes is refused up front with the redeploy shape.
import { afterAll, describe, expect, it } from "vitest";
import { CliSandbox } from "../fixtures/cli-sandbox.js";

interface StatusJson {
  containerGroups?: Array<{ id: string; name: string; healthy: boolean; reason: string | null }>;
}

interface GroupDiagnosisJson {
  healthy: boolean;
  runbook: string | null;
  findings: Array<{ id: string; runbook: string | null; command?: string }>;
}

const sandboxes: CliSandbox[] = [];
afterAll(() => {
  for (const sandbox of sandboxes) sandbox.remove();
});

async function groupWorld(prefix: string, incident?: string): Promise<{ sandbox: CliSandbox; id: string }> {
  const sandbox = new CliSandbox(`acr-cmk-cg-${prefix}-`);
  sandboxes.push(sandbox);
  await sandbox.ok(["sandbox", "init", "--container-groups", "1", "--keys", "1"]);
  if (incident) await sandbox.ok(["sandbox", "break", incident]);
  const group = Object.values(sandbox.world().containerGroups ?? {})[0];
  if (!group) throw new Error("no container group in the sandbox");
  return { sandbox, id: group.id };
}

async function groupHealthy(sandbox: CliSandbox): Promise<boolean | undefined> {
  const status = (await sandbox.json<StatusJson>(["sandbox", "status"])).body;
  return status.containerGroups?.[0]?.healthy;
}

const CASES = [
  { incident: "key-deleted", command: ["recover"], runbook: "key-deleted" },
  { incident: "vault-deleted", command: ["run", "key-deleted"], runbook: "key-deleted" },
  { incident: "key-disabled", command: ["run", "restore"], runbook: "restore" },
  { incident: "key-expired", command: ["restore"], runbook: "restore" },
  { incident: "access-revoked", command: ["recover"], runbook: "restore" },
];

describe.concurrent("a container group's key, repaired from the CLI", () => {
  for (const c of CASES) {
    it(`${c.incident}: \`${c.command.join(" ")} --id <group> --yes\` runs ${c.runbook} and the group reads its key again`, async () => {
      const { sandbox, id } = await groupWorld(c.incident, c.incident);
      const before = await sandbox.json<GroupDiagnosisJson>(["diagnose", "--id", id]);
      expect(before.code).toBe(1);
      expect(before.body.runbook).toBe(c.runbook);
      // The finding names the command that runs the fix for the group itself.
      expect(before.body.findings.find((f) => f.runbook === c.runbook)?.command).toContain(`--id ${id}`);
      if (c.incident !== "key-expired") expect(await groupHealthy(sandbox)).toBe(false);

      const result = await sandbox.cli([...c.command, "--id", id, "--yes"]);
      const transcript = `${result.stdout}\n${result.stderr}`;
      expect(result.code, transcript).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`Run \\S+: ${c.runbook} on rg-acr-cmk-fleet/ci-acr-cmk-01`));
      expect(result.stdout).toContain("[ok] Verify the container group can use its key");
      expect(result.stdout).toContain(" succeeded.");
      // Every line of the run speaks of the group, never of a registry (the blast radius names the key's other users).
      const aboutRegistry = transcript
        .split("\n")
        .filter((line) => /registr/i.test(line.split(/other resources? read/)[0]!));
      expect(aboutRegistry).toEqual([]);
      expect(transcript).not.toMatch(/\b1 other resources\b/);
      expect(await groupHealthy(sandbox)).toBe(true);
      const after = await sandbox.json<GroupDiagnosisJson>(["diagnose", "--id", id]);
      expect(after.body.healthy, JSON.stringify(after.body.findings)).toBe(true);
      expect(after.code).toBe(0);

      const runId = /^Run (\S+): /m.exec(result.stdout)?.[1] ?? "missing";
      const shown = await sandbox.json<{ run: { status: string; target: Record<string, string> } }>([
        "runs",
        "show",
        runId,
      ]);
      expect(shown.body.run.status).toBe("succeeded");
      expect(shown.body.run.target).toMatchObject({
        resourceGroup: "rg-acr-cmk-fleet",
        containerGroup: "ci-acr-cmk-01",
      });
      expect(shown.body.run.target.registry).toBeUndefined();
      expect(sandbox.world().counters.purgeRequests).toBe(0);
      expect((await sandbox.cli(["audit", "verify"])).code).toBe(0);
    });
  }
});

describe("what a run cannot fix for a container group", () => {
  it("a vault firewall that shuts out trusted services: run key-deleted and recover refuse (exit 1) and print the redeploy", async () => {
    const { sandbox, id } = await groupWorld("firewall", "firewall-403");
    const run = await sandbox.cli(["run", "key-deleted", "--id", id, "--yes"]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toContain("key-deleted cannot help container group ci-acr-cmk-01");
    expect(run.stdout).toContain(
      "Redeploy with: az container create --resource-group rg-acr-cmk-fleet --file ci-acr-cmk-01.yaml",
    );
    expect(run.stdout).toContain("encryptionProperties:");
    const recover = await sandbox.json<{ runbook: string | null; diagnosis: { redeploy: unknown } }>([
      "recover",
      "--id",
      id,
      "--yes",
    ]);
    expect(recover.code).toBe(1);
    expect(recover.body.runbook).toBeNull();
    expect(recover.body.diagnosis.redeploy).not.toBeNull();
    // Nothing started: no run holds the group.
    expect((await sandbox.json<{ runs: unknown[] }>(["runs", "list"])).body.runs).toEqual([]);
    expect(await groupHealthy(sandbox)).toBe(false);
  });

  it("a purged key: recover refuses with the redeploy shape (exit 1), nothing is changed", async () => {
    const { sandbox, id } = await groupWorld("purged", "key-purged");
    const recover = await sandbox.cli(["recover", "--id", id, "--yes"]);
    expect(recover.code).toBe(1);
    expect(recover.stdout).toContain("No runbook fixes what diagnose found on container group ci-acr-cmk-01");
    expect(recover.stdout).toContain("KEY_PURGED");
    expect(recover.stdout).toContain("Redeploy with: az container create");
  });

  it("a healthy group: recover has nothing to do (exit 0)", async () => {
    const { sandbox, id } = await groupWorld("healthy");
    const recover = await sandbox.cli(["recover", "--id", id]);
    expect(recover.code).toBe(0);
    expect(recover.stdout).toContain("Container group rg-acr-cmk-fleet/ci-acr-cmk-01 is healthy: nothing to recover.");
  });
});

describe("container group targets: usage, locks and the run commands", () => {
  it("bad input exits 2 and starts nothing", async () => {
    const { sandbox, id } = await groupWorld("usage", "key-disabled");
    const rotate = await sandbox.cli(["run", "rotate", "--id", id, "--yes"]);
    expect(rotate.code).toBe(2);
    expect(rotate.stderr).toContain("rotate does not apply to a container group");
    const both = await sandbox.cli(["run", "restore", "--id", id, "-g", "rg-acr-cmk-fleet", "--yes"]);
    expect(both.code).toBe(2);
    const badName = await sandbox.cli(["run", "restore", "--id", id.replace("ci-acr-cmk-01", "Bad_Name"), "--yes"]);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain("container group name");
    const missing = await sandbox.cli(["run", "restore", "--id", id.replace("ci-acr-cmk-01", "ci-nowhere"), "--yes"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("not found");
    expect((await sandbox.json<{ runs: unknown[] }>(["runs", "list"])).body.runs).toEqual([]);
  });

  it("a run locks the group by its id; runs show, resume and abort work on it", async () => {
    const { sandbox, id } = await groupWorld("lock", "key-disabled");
    // Without --yes and without a terminal the run stops at its first approval.
    const first = await sandbox.cli(["run", "restore", "--id", id]);
    expect(first.stdout).toContain("Waiting for approval");
    const runId = /^Run (\S+): /m.exec(first.stdout)?.[1] ?? "missing";
    const second = await sandbox.cli(["run", "key-deleted", "--id", id, "--yes"]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`Container group ci-acr-cmk-01 is busy: run ${runId}`);
    const shown = await sandbox.cli(["runs", "show", runId]);
    expect(shown.stdout).toContain(`Run ${runId}: restore on rg-acr-cmk-fleet/ci-acr-cmk-01`);
    const listed = await sandbox.cli(["runs", "list"]);
    expect(listed.stdout).toMatch(
      new RegExp(`${runId}\\s+restore\\s+aci rg-acr-cmk-fleet/ci-acr-cmk-01\\s+awaiting-approval`),
    );
    const resumed = await sandbox.cli(["runs", "resume", runId, "--yes"]);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(" succeeded.");
    expect(await groupHealthy(sandbox)).toBe(true);

    // A new incident, a new run that waits, then abort: the lock is released and another run can start.
    await sandbox.ok(["sandbox", "break", "key-disabled"]);
    const waiting = await sandbox.cli(["run", "restore", "--id", id]);
    const waitingId = /^Run (\S+): /m.exec(waiting.stdout)?.[1] ?? "missing";
    const aborted = await sandbox.cli(["runs", "abort", waitingId, "--reason", "drill"]);
    expect(aborted.code, aborted.stdout + aborted.stderr).toBe(0);
    const again = await sandbox.cli(["restore", "--id", id, "--yes"]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(await groupHealthy(sandbox)).toBe(true);
  });
});

describe("container groups across the subscriptions of a fleet", () => {
  /** 3 subscriptions, 5 keys, 6 groups: groups in every subscription, some reading a vault in another one. */
  async function fleetWorld(prefix: string) {
    const sandbox = new CliSandbox(`acr-cmk-cg-${prefix}-`);
    sandboxes.push(sandbox);
    const init = ["sandbox", "init", "--registries", "6", "--container-groups", "6", "--subscriptions", "3"];
    await sandbox.ok([...init, "--keys", "5"]);
    const world = sandbox.world();
    const vaultSubscription = (vaultBaseUrl: string) => {
      const name = /^https:\/\/([^.]+)\./.exec(vaultBaseUrl)?.[1] ?? "";
      return /^\/subscriptions\/([^/]+)/.exec(world.vaults[name]!.id)![1]!;
    };
    const groups = Object.values(world.containerGroups ?? {}).map((g) => ({
      id: g.id,
      name: g.name,
      subscription: /^\/subscriptions\/([^/]+)/.exec(g.id)![1]!,
      vault: /^https:\/\/([^.]+)\./.exec(g.encryptionProperties.vaultBaseUrl)![1]!,
      vaultSubscription: vaultSubscription(g.encryptionProperties.vaultBaseUrl),
    }));
    return { sandbox, world, groups };
  }

  async function groupHealth(sandbox: CliSandbox, name: string): Promise<boolean | undefined> {
    const status = (await sandbox.json<StatusJson>(["sandbox", "status"])).body;
    return status.containerGroups?.find((g) => g.name === name)?.healthy;
  }

  it("a group in another subscription than the sandbox's first: its run starts, resumes and ends there", async () => {
    const { sandbox, world, groups } = await fleetWorld("other-sub");
    const group = groups.find(
      (g) => g.subscription !== world.subscriptionId && g.vaultSubscription === g.subscription,
    )!;
    await sandbox.ok(["sandbox", "break", "key-disabled", "--key", `${group.vault}/acr-cmk`]);
    expect(await groupHealth(sandbox, group.name)).toBe(false);

    const started = await sandbox.cli(["recover", "--id", group.id]);
    expect(started.code, started.stdout + started.stderr).toBe(1);
    expect(started.stdout).toContain("Waiting for approval");
    const runId = /^Run (\S+): /m.exec(started.stdout)?.[1] ?? "missing";
    const resumed = await sandbox.cli(["runs", "resume", runId, "--yes"]);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(" succeeded.");
    expect(await groupHealth(sandbox, group.name)).toBe(true);
    const shown = await sandbox.json<{ run: { target: { subscriptionId: string } } }>(["runs", "show", runId]);
    expect(shown.body.run.target.subscriptionId).toBe(group.subscription);
  });

  it("a group whose key's vault is in another subscription: the deleted key and the deleted vault come back there", async () => {
    const { sandbox, groups } = await fleetWorld("vault-elsewhere");
    const group = groups.find((g) => g.vaultSubscription !== g.subscription)!;
    for (const incident of ["key-deleted", "vault-deleted"]) {
      await sandbox.ok(["sandbox", "break", incident, "--key", `${group.vault}/acr-cmk`]);
      expect(await groupHealth(sandbox, group.name)).toBe(false);
      const result = await sandbox.cli(["recover", "--id", group.id, "--yes"]);
      const transcript = `${result.stdout}\n${result.stderr}`;
      // Not "purged": the vault is live (or soft-deleted) in its own subscription, and the run finds it there.
      expect(result.code, transcript).toBe(0);
      expect(transcript).not.toContain("unrecoverable");
      expect(await groupHealth(sandbox, group.name)).toBe(true);
    }
    const vault = sandbox.world().vaults[group.vault]!;
    expect(vault.id.toLowerCase()).toContain(`/subscriptions/${group.vaultSubscription.toLowerCase()}/`);
    expect(vault.deleted).toBeUndefined();
    expect(sandbox.world().counters.purgeRequests).toBe(0);
  });
});
