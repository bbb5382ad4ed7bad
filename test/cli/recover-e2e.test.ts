// Every sandbox incident (`acr-cmk sandbox break --help`), end to end through the CLI as an on-call engineer would type it:
// `sandbox init` → `sandbox break <incident>` → `recover -g … -r … --yes` → `diagnose` and `sandbox status`.
import { afterAll, describe, expect, it } from "vitest";
import { CliSandbox } from "../fixtures/cli-sandbox.js";

interface RunJson {
  run: { id: string; status: string; runbook: string };
  audit: Array<{ action: string; outcome: string; azureRequestId?: string }>;
}

interface Case {
  incident: string;
  scenario?: string;
  /** Where an honest run ends when the registry cannot be recovered. */
  terminal?: "unrecoverable" | "escalated";
  /**
   * The registry still reads its key right after the incident (sandbox ground truth): a removed identity keeps
   * working through its grace period, and Key Vault still unwraps with an expired key. Diagnose must still see it.
   */
  stillReads?: true;
}

const CASES: Case[] = [
  { incident: "key-deleted" },
  { incident: "vault-deleted" },
  { incident: "key-purged", terminal: "unrecoverable" },
  { incident: "vault-purged", terminal: "unrecoverable" },
  { incident: "identity-removed", stillReads: true },
  { incident: "system-identity-removed", scenario: "system-identity", terminal: "escalated", stillReads: true },
  { incident: "firewall-403" },
  { incident: "access-revoked" },
  { incident: "key-disabled" },
  { incident: "key-expired", stillReads: true },
  // The same incidents where the vault uses Azure RBAC: a recovered vault does not get its role assignments back.
  { incident: "vault-deleted", scenario: "rbac" },
  { incident: "access-revoked", scenario: "rbac" },
  // A pinned key version (manual rotation) and a vault whose firewall already allowed trusted services.
  { incident: "key-disabled", scenario: "pinned" },
  { incident: "firewall-403", scenario: "firewall" },
];

const sandboxes: CliSandbox[] = [];
afterAll(() => {
  for (const sandbox of sandboxes) sandbox.remove();
});

describe.concurrent("recover --yes, per incident", () => {
  for (const c of CASES) {
    it(`${c.incident}${c.scenario ? ` (scenario ${c.scenario})` : ""}: ${c.terminal ? `ends ${c.terminal} (exit 1), nothing purged` : "ends with a healthy registry"}`, async () => {
      const sandbox = new CliSandbox(`acr-cmk-recover-${c.incident}-`);
      sandboxes.push(sandbox);
      await sandbox.ok(["sandbox", "init", ...(c.scenario ? ["--scenario", c.scenario] : [])]);
      const [registry] = (await sandbox.status()).registries;
      expect(registry?.healthy).toBe(true);
      const { resourceGroup, name } = registry!;
      await sandbox.ok(["sandbox", "break", c.incident]);
      expect((await sandbox.status()).registries[0]?.healthy).toBe(Boolean(c.stillReads));
      const broken = await sandbox.diagnose(resourceGroup, name);
      expect(broken.code).toBe(1);
      expect(broken.body.healthy).toBe(false);

      const recover = await sandbox.cli(["recover", "-g", resourceGroup, "-r", name, "--yes"]);
      const transcript = `${recover.stdout}\n${recover.stderr}`;
      if (c.terminal) {
        expect(recover.code, transcript).toBe(1);
        expect(recover.stdout).toContain(` ${c.terminal}.`);
        expect((await sandbox.status()).registries[0]?.healthy).toBe(Boolean(c.stillReads));
      } else {
        expect(recover.code, transcript).toBe(0);
        expect(recover.stdout).toContain(" succeeded.");
        const diagnosis = await sandbox.diagnose(resourceGroup, name);
        expect(diagnosis.body.healthy, JSON.stringify(diagnosis.body.findings)).toBe(true);
        expect(diagnosis.code).toBe(0);
        expect((await sandbox.status()).registries[0]).toMatchObject({ healthy: true, reason: null });
      }
      // Every Azure write the run made is audited with the request id Azure answered it with.
      const runId = /^Run (\S+): /m.exec(recover.stdout)?.[1];
      const shown = await sandbox.json<RunJson>(["runs", "show", runId ?? "missing"]);
      expect(shown.body.run.status).toBe(c.terminal ?? "succeeded");
      const writes = shown.body.audit.filter((entry) => entry.action === "azure-write");
      if (c.terminal) expect(writes).toEqual([]);
      else expect(writes.length).toBeGreaterThan(0);
      for (const write of writes)
        expect(write, JSON.stringify(write)).toMatchObject({
          outcome: "ok",
          azureRequestId: expect.stringMatching(/^[0-9a-f-]{36}$/i),
        });
      expect(sandbox.world().counters.purgeRequests).toBe(0);
      const audit = await sandbox.cli(["audit", "verify"]);
      expect(audit.code, audit.stdout).toBe(0);
    });
  }
});

describe("several causes at once", () => {
  const sandboxes: CliSandbox[] = [];
  afterAll(() => {
    for (const sandbox of sandboxes) sandbox.remove();
  });

  it("firewall switched on and access policy removed: recover runs restore, then firewall-403, and ends healthy", async () => {
    const sandbox = new CliSandbox("acr-cmk-multi-");
    sandboxes.push(sandbox);
    await sandbox.ok(["sandbox", "init"]);
    await sandbox.ok(["sandbox", "break", "firewall-403"]);
    await sandbox.ok(["sandbox", "break", "access-revoked"]);
    const registry = (await sandbox.status()).registries[0]!;
    const target = ["-g", registry.resourceGroup, "-r", registry.name];

    const result = await sandbox.json<{
      run: { status: string; runbook: string };
      runs: Array<{ id: string; runbook: string; status: string }>;
      diagnosis: { healthy: boolean };
    }>(["recover", ...target, "--yes"]);
    expect(result.code, result.stderr).toBe(0);
    // The access comes back first (Resource Manager, not behind the firewall); restore's own verification then meets
    // the firewall, and recover goes on with the runbook the new diagnosis names.
    expect(result.body.runs.map((r) => `${r.runbook}:${r.status}`)).toEqual([
      "restore:aborted",
      "firewall-403:succeeded",
    ]);
    expect(result.body.diagnosis.healthy).toBe(true);
    expect(result.stderr).toContain("does not let acr-cmk read the key from this network (403 ForbiddenByFirewall)");
    expect((await sandbox.status()).registries[0]?.healthy).toBe(true);
    // The first run was stopped (audited) so the second could take the registry.
    const listed = await sandbox.json<{ runs: Array<{ id: string; status: string }> }>(["runs", "list"]);
    expect(listed.body.runs.find((r) => r.id === result.body.runs[0]!.id)?.status).toBe("aborted");
    expect(sandbox.world().counters.purgeRequests).toBe(0);
    expect((await sandbox.cli(["audit", "verify"])).code).toBe(0);
  });

  it("in text, the run recover supersedes is reported aborted, not 'to continue'; the firewall fix offers no undo that re-breaks", async () => {
    const sandbox = new CliSandbox("acr-cmk-multi-text-");
    sandboxes.push(sandbox);
    await sandbox.ok(["sandbox", "init"]);
    await sandbox.ok(["sandbox", "break", "firewall-403"]);
    await sandbox.ok(["sandbox", "break", "access-revoked"]);
    const registry = (await sandbox.status()).registries[0]!;
    const result = await sandbox.cli(["recover", "-g", registry.resourceGroup, "-r", registry.name, "--yes"]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).not.toContain("Fix the cause, then continue");
    expect(result.stdout).toMatch(/Run \S+ aborted\./);
    // Putting the firewall's bypass back is the incident itself: said, not offered as an undo command.
    expect(result.stdout).not.toMatch(/--bypass None/);
    expect(result.stdout).toContain("Nothing to undo: letting trusted Azure services through");
  });

  it("a run that stops at its own cause (Azure failing) is left resumable: recover does not skip ahead", async () => {
    const sandbox = new CliSandbox("acr-cmk-multi-");
    sandboxes.push(sandbox);
    await sandbox.ok(["sandbox", "init"]);
    await sandbox.ok(["sandbox", "break", "firewall-403"]);
    await sandbox.ok(["sandbox", "break", "access-revoked"]);
    sandbox.store.update((world) => {
      world.settings.faults = [{ match: "/^PUT .*\\/accessPolicies\\/add/i", status: 500, retryAfterSeconds: 0 }];
    });
    const registry = (await sandbox.status()).registries[0]!;
    const result = await sandbox.json<{ runs: Array<{ id: string; runbook: string; status: string }> }>([
      "recover",
      "-g",
      registry.resourceGroup,
      "-r",
      registry.name,
      "--yes",
    ]);
    expect(result.code, result.stderr).toBe(3);
    // Only restore ran; it still waits for RETRY (the access is what is missing), and firewall-403 never started.
    expect(result.body.runs.map((r) => `${r.runbook}:${r.status}`)).toEqual(["restore:failed"]);
    const listed = await sandbox.json<{ runs: Array<{ id: string; status: string }> }>(["runs", "list"]);
    expect(listed.body.runs).toEqual([expect.objectContaining({ id: result.body.runs[0]!.id, status: "failed" })]);
  });

  it("only critical findings carry recovery on: a key that merely expires soon is not rotated", async () => {
    const sandbox = new CliSandbox("acr-cmk-multi-");
    sandboxes.push(sandbox);
    await sandbox.ok(["sandbox", "init"]);
    await sandbox.ok(["sandbox", "break", "key-deleted"]);
    sandbox.store.update((world) => {
      for (const vault of Object.values(world.vaults))
        for (const key of Object.values(vault.keys))
          for (const version of key.versions) version.exp = new Date(Date.now() + 10 * 86_400_000).toISOString();
    });
    const registry = (await sandbox.status()).registries[0]!;
    const result = await sandbox.cli(["recover", "-g", registry.resourceGroup, "-r", registry.name, "--yes"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toMatch(/Run \S+: rotate/);
    const diagnosis = await sandbox.diagnose(registry.resourceGroup, registry.name);
    expect(diagnosis.body.findings.map((f) => f.id)).toContain("KEY_EXPIRING_SOON");
  });
});
