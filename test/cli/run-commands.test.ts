// The run commands' edges through the CLI against the sandbox: what is refused before anything starts, what a dry
// run prints, JSON output, and a run that waits for approval and is finished by `runs resume --yes`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliSandbox } from "../fixtures/cli-sandbox.js";

const sandboxes: CliSandbox[] = [];
afterAll(() => {
  for (const sandbox of sandboxes) sandbox.remove();
});

async function sandboxWith(prefix: string, incident?: string) {
  const sandbox = new CliSandbox(`acr-cmk-run-${prefix}-`);
  sandboxes.push(sandbox);
  await sandbox.ok(["sandbox", "init"]);
  if (incident) await sandbox.ok(["sandbox", "break", incident]);
  const registry = (await sandbox.status()).registries[0]!;
  return {
    sandbox,
    rg: registry.resourceGroup,
    name: registry.name,
    target: ["-g", registry.resourceGroup, "-r", registry.name],
  };
}

async function storedRuns(sandbox: CliSandbox): Promise<Array<{ id: string; status: string }>> {
  return (await sandbox.json<{ runs: Array<{ id: string; status: string }> }>(["runs", "list"])).body.runs;
}

describe("refused before anything starts (exit 2, nothing changed, no run stored)", () => {
  let env: Awaited<ReturnType<typeof sandboxWith>>;
  beforeAll(async () => {
    env = await sandboxWith("refused");
  });

  it("revoke without a terminal and without --method", async () => {
    const writes = env.sandbox.world().counters.writes;
    const result = await env.sandbox.cli(["revoke", ...env.target, "--yes"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("revoke without a terminal needs --method");
    expect(result.stderr).not.toMatch(/\s+at /);
    expect(env.sandbox.world().counters.writes).toBe(writes);
    expect(await storedRuns(env.sandbox)).toEqual([]);
  });

  it("--method on a runbook without that choice, and an unknown method", async () => {
    const rotate = await env.sandbox.cli(["rotate", ...env.target, "--yes", "--method", "disable-key"]);
    expect(rotate.code).toBe(2);
    expect(rotate.stderr).toContain("rotate has no such choice");
    const unknown = await env.sandbox.cli(["revoke", ...env.target, "--yes", "--method", "purge"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--method must be access-policy, role-assignment or disable-key");
    expect(await storedRuns(env.sandbox)).toEqual([]);
  });

  it("an unknown registry", async () => {
    const result = await env.sandbox.cli(["recover", "-g", env.rg, "-r", "nosuchregistry", "--yes"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("registry 'nosuchregistry' not found");
  });

  it("recover on a healthy registry says so and starts nothing (exit 0)", async () => {
    const result = await env.sandbox.cli(["recover", ...env.target, "--yes"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${env.rg}/${env.name} is healthy: nothing to recover.`);
    expect(await storedRuns(env.sandbox)).toEqual([]);
  });
});

describe("run <runbook> without recover", () => {
  it("keeps its target's diagnosis as the run's incident, as recover does: the approval says whose change it undoes", async () => {
    const { sandbox, target } = await sandboxWith("incident");
    await sandbox.ok(["sandbox", "break", "key-deleted", "--as", "alice@contoso.com"]);
    const result = await sandbox.cli(["run", "key-deleted", ...target, "--yes", "--output", "json"]);
    expect(result.code, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as {
      run: { incident?: { findings: Array<{ id: string }>; undoes?: { actor: string; summary: string } } };
    };
    expect(doc.run.incident?.findings.map((f) => f.id)).toContain("KEY_SOFT_DELETED");
    expect(doc.run.incident?.undoes).toMatchObject({ actor: "alice@contoso.com" });
    expect(doc.run.incident?.undoes?.summary).toMatch(/^key acr-cmk deleted by alice@contoso\.com at /);
  });

  it("refuses a registry the diagnosis cannot find, before anything starts (exit 2)", async () => {
    const { sandbox, rg } = await sandboxWith("incident-missing");
    const result = await sandbox.cli(["run", "key-deleted", "-g", rg, "-r", "nosuchregistry", "--yes"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("registry 'nosuchregistry' not found");
    expect(await storedRuns(sandbox)).toEqual([]);
  });
});

describe("recover on a deleted key", () => {
  it("--dry-run prints every step with its az command filled in and changes nothing", async () => {
    const { sandbox, target } = await sandboxWith("dry", "key-deleted");
    const writes = sandbox.world().counters.writes;
    const result = await sandbox.cli(["recover", ...target, "--dry-run"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("nothing will be changed");
    expect(result.stdout).toContain("KEY_SOFT_DELETED");
    expect(result.stdout).toMatch(/az: az keyvault key recover --vault-name kv-[a-z0-9-]+ --name [a-z0-9-]+/);
    expect(sandbox.world().counters.writes).toBe(writes);
    expect(await storedRuns(sandbox)).toEqual([]);
  });

  it("--output json prints exactly one document (the run and its audit trail); the step log goes to stderr", async () => {
    const { sandbox, target } = await sandboxWith("json", "key-deleted");
    const result = await sandbox.cli(["recover", ...target, "--yes", "--output", "json"]);
    expect(result.code, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as { run: { status: string; runbook: string }; audit: unknown[] };
    expect(doc.run).toMatchObject({ status: "succeeded", runbook: "key-deleted" });
    expect(doc.audit.length).toBeGreaterThan(0);
    expect(result.stderr).toContain("[ok] ");
  });

  it("without --yes stops at the approval (exit 1); `runs resume <id> --yes` approves and finishes", async () => {
    const { sandbox, rg, name, target } = await sandboxWith("approval", "key-deleted");
    const writes = sandbox.world().counters.writes;
    const first = await sandbox.cli(["recover", ...target]);
    expect(first.code, first.stderr).toBe(1);
    const runId = /^Run (\S+): /m.exec(first.stdout)?.[1];
    expect(first.stdout).toContain(`runs resume ${runId} --yes`);
    expect(sandbox.world().counters.writes).toBe(writes);
    expect(await storedRuns(sandbox)).toEqual([expect.objectContaining({ id: runId, status: "awaiting-approval" })]);

    const resumed = await sandbox.cli(["runs", "resume", runId!, "--yes"]);
    expect(resumed.code, `${resumed.stdout}\n${resumed.stderr}`).toBe(0);
    expect(resumed.stdout).toContain(`Run ${runId} succeeded.`);
    expect((await sandbox.diagnose(rg, name)).body.healthy).toBe(true);
    expect((await sandbox.cli(["audit", "verify"])).code).toBe(0);
  });

  it("a second run on the same registry is refused while the first waits for approval", async () => {
    const { sandbox, target, name } = await sandboxWith("lock", "key-deleted");
    const first = await sandbox.cli(["recover", ...target]);
    expect(first.code).toBe(1);
    const firstId = /^Run (\S+): /m.exec(first.stdout)?.[1];
    const second = await sandbox.cli(["recover", ...target, "--yes"]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`Registry ${name} is busy: run ${firstId}`);
    expect(second.stderr).toContain(`runs resume ${firstId}`);
    expect(await storedRuns(sandbox)).toEqual([expect.objectContaining({ id: firstId, status: "awaiting-approval" })]);
  });

  it("`runs abort <id> --reason` stops a run waiting for approval, audits it and frees the registry", async () => {
    const { sandbox, target } = await sandboxWith("abort", "key-deleted");
    const first = await sandbox.cli(["recover", ...target]);
    const firstId = /^Run (\S+): /m.exec(first.stdout)?.[1];
    const writes = sandbox.world().counters.writes;

    const noReason = await sandbox.cli(["runs", "abort", firstId!, "--reason", "  "]);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain("say why");

    const aborted = await sandbox.cli(["runs", "abort", firstId!, "--reason", "handled by hand"]);
    expect(aborted.code, aborted.stderr).toBe(0);
    expect(aborted.stdout).toContain(`Run ${firstId} aborted`);
    expect(sandbox.world().counters.writes).toBe(writes);
    expect(await storedRuns(sandbox)).toEqual([expect.objectContaining({ id: firstId, status: "aborted" })]);
    const shown = await sandbox.json<{ audit: Array<{ action: string; details: Record<string, unknown> }> }>([
      "runs",
      "show",
      firstId!,
    ]);
    expect(JSON.stringify(shown.body.audit)).toContain("handled by hand");

    const second = await sandbox.cli(["recover", ...target, "--yes"]);
    expect(second.code, second.stderr).toBe(0);
  });
});

describe("revoke --method that the vault does not offer", () => {
  it("stops the run before any access is removed and frees the registry (exit 1)", async () => {
    const { sandbox, target } = await sandboxWith("method");
    const policies = JSON.stringify(Object.values(sandbox.world().vaults)[0]!.accessPolicies);
    const result = await sandbox.cli(["revoke", ...target, "--yes", "--method", "role-assignment"]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain(
      "role-assignment does not apply here; this setup allows: access-policy, disable-key",
    );
    expect(result.stdout).toMatch(/^Run \S+ aborted\.$/m);
    expect(JSON.stringify(Object.values(sandbox.world().vaults)[0]!.accessPolicies)).toBe(policies);
    expect((await sandbox.status()).registries[0]?.healthy).toBe(true);
    // The registry is free for the run the operator meant.
    const revoke = await sandbox.cli(["revoke", ...target, "--yes", "--method", "access-policy"]);
    expect(revoke.code, revoke.stdout).toBe(0);
    expect((await sandbox.status()).registries[0]?.healthy).toBe(false);
  });
});

describe("what a run knows before it reads anything", () => {
  it("recover fills the first step's az command with the vault the diagnosis found (no <vault-name> left)", async () => {
    const { sandbox, target } = await sandboxWith("hints", "vault-deleted");
    const vault = Object.values(sandbox.world().vaults)[0]!.name;
    const result = await sandbox.cli(["recover", ...target, "--yes"]);
    expect(result.code, result.stderr).toBe(0);
    const firstStep = result.stdout.split("\n").find((line) => line.includes("az: az keyvault list-deleted"));
    expect(firstStep).toContain(`[?name=='${vault}']`);
    expect(result.stdout).not.toMatch(/<[a-z-]+>/);
  });
});

describe("the sandbox clock through the CLI", () => {
  it("restore judges expiry by `sandbox advance`, not by the wall clock, and extends the key", async () => {
    const { sandbox, target } = await sandboxWith("clock");
    const DAY = 86_400_000;
    // The key in use expires in 30 days of real time; the sandbox clock then moves 60 days on.
    sandbox.store.update((w) => {
      for (const vault of Object.values(w.vaults))
        for (const key of Object.values(vault.keys))
          for (const version of key.versions) version.exp = new Date(Date.now() + 30 * DAY).toISOString();
    });
    await sandbox.ok(["sandbox", "advance", "60d"]);
    const result = await sandbox.cli(["restore", ...target, "--yes"]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/expired/i);
    expect(result.stdout).toContain("[ok] Extend");
    const diagnosis = await sandbox.diagnose(target[1]!, target[3]!);
    expect(diagnosis.body.findings.map((f) => f.id)).not.toContain("KEY_EXPIRED");
  });
});

describe("undo commands", () => {
  it("are printed newest change first, and say so", async () => {
    const { PassThrough } = await import("node:stream");
    const { printRunEnd } = await import("../../src/cli/plain-driver.js");
    const out = new PassThrough();
    let text = "";
    out.on("data", (chunk: Buffer) => (text += chunk.toString()));
    const view = {
      id: "r1",
      status: "aborted",
      rollback: ["az first-change --undo", "az second-change --undo"],
      outcome: { summary: "Aborted.", nextSteps: [] },
    } as unknown as Parameters<typeof printRunEnd>[1];
    printRunEnd(out, view, "acr-cmk");
    expect(text).toContain("newest change first");
    expect(text.indexOf("az second-change --undo")).toBeLessThan(text.indexOf("az first-change --undo"));
  });
});

describe("a named approvers list (ACR_CMK_APPROVERS) binds a local --yes", () => {
  it("a requester not on it stops at the approval; an approver resumes with --as and finishes", async () => {
    const { sandbox, target } = await sandboxWith("approvers", "key-deleted");
    const env = { ACR_CMK_APPROVERS: "bob" };
    const first = await sandbox.cli(["recover", ...target, "--yes", "--requester", "alice"], env);
    expect(first.code, first.stderr).toBe(1);
    expect(first.stdout).toContain("is not on the approvers list (ACR_CMK_APPROVERS)");
    expect(first.stdout).toMatch(/An approver continues the run with: .* runs resume \S+ --yes \[--as <approver>\]/);
    const [run] = await storedRuns(sandbox);
    expect(run?.status).toBe("awaiting-approval");
    expect((await sandbox.status()).registries[0]?.healthy).toBe(false);

    const bad = await sandbox.cli(["runs", "resume", run!.id, "--yes", "--as", "bob smith"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--as takes one name");

    const resumed = await sandbox.cli(["runs", "resume", run!.id, "--yes", "--as", "bob"], env);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect((await sandbox.status()).registries[0]?.healthy).toBe(true);
    const shown = await sandbox.json<{ audit: Array<{ actor: string; action: string; outcome: string }> }>([
      "runs",
      "show",
      run!.id,
    ]);
    expect(shown.body.audit).toContainEqual(
      expect.objectContaining({ actor: "alice", outcome: "refused: not-approver" }),
    );
    expect(
      shown.body.audit.some(
        (e) => e.actor === "bob" && e.action === "approve" && e.outcome !== "refused: not-approver",
      ),
    ).toBe(true);
  });
});

describe("a run of a sandbox world that `sandbox init` replaced", () => {
  it("is refused on resume (exit 2), naming the run's subscription and the world's, and nothing changes", async () => {
    const { sandbox, target } = await sandboxWith("resub", "key-deleted");
    const first = await sandbox.cli(["recover", ...target]);
    expect(first.code, first.stderr).toBe(1);
    const [run] = await storedRuns(sandbox);
    const runSubscription = (await sandbox.status()).subscriptionId;
    // A new sandbox world is a new subscription with a same-named registry in it.
    await sandbox.ok(["sandbox", "init"]);
    await sandbox.ok(["sandbox", "break", "key-deleted"]);
    const writes = sandbox.world().counters.writes;
    const resumed = await sandbox.cli(["runs", "resume", run!.id, "--yes"]);
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toContain("now holds another world");
    expect(resumed.stderr).toContain(`the run's was ${runSubscription}`);
    expect(sandbox.world().counters.writes).toBe(writes);
  });
});

describe("a key whose deletion Key Vault has not finished", () => {
  it("is never called purged: diagnose looks again for as long as the sandbox's deletion takes", async () => {
    const { sandbox, rg, name } = await sandboxWith("inprogress");
    await sandbox.ok(["sandbox", "break", "key-deleted", "--in-progress", "4s"]);
    const report = await sandbox.diagnose(rg, name);
    const ids = report.body.findings.map((f) => f.id);
    expect(ids).toContain("KEY_SOFT_DELETED");
    expect(ids).not.toContain("KEY_PURGED");
  });

  it("says at once that it looks again, and why, instead of waiting silently (stderr: the JSON stays one document)", async () => {
    const { sandbox, rg, name } = await sandboxWith("inprogress-said");
    await sandbox.ok(["sandbox", "break", "key-deleted", "--in-progress", "4s"]);
    const report = await sandbox.json<{ findings: unknown[] }>(["diagnose", "-g", rg, "-r", name]);
    expect(report.body.findings.length).toBeGreaterThan(0);
    expect(report.stderr.match(/looking again …/g)).toHaveLength(1);
    expect(report.stderr).toContain("Key Vault may still be deleting it");
  });
});

describe("choices given on the command line are kept with the run", () => {
  it("revoke --method waits for an approver; runs resume --yes --as <approver> goes on without asking again", async () => {
    const { sandbox, target } = await sandboxWith("method");
    const approvers = { ACR_CMK_APPROVERS: "carol" };
    const started = await sandbox.cli(
      ["revoke", ...target, "--method", "disable-key", "--requester", "alice"],
      approvers,
    );
    expect(started.code).toBe(1);
    const [run] = await storedRuns(sandbox);
    expect(run!.status).toBe("awaiting-approval");
    const shown = await sandbox.json<{ run: { presetChoices?: string[] } }>(["runs", "show", run!.id]);
    expect(shown.body.run.presetChoices).toEqual(["disable-key"]);

    const resumed = await sandbox.cli(["runs", "resume", run!.id, "--yes", "--as", "carol"], approvers);
    expect(resumed.stdout).not.toContain("Waiting for a choice");
    expect(resumed.stdout).toContain(`Run ${run!.id} succeeded.`);
    expect(resumed.code).toBe(0);
  });

  it("runs resume refuses a --method that is not one", async () => {
    const { sandbox } = await sandboxWith("method-bad");
    const result = await sandbox.cli(["runs", "resume", "20300101-000000-abcdef", "--method", "purge"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--method must be access-policy, role-assignment or disable-key");
  });
});
