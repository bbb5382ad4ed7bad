// Revoke → restore → rotate on a healthy registry, through the CLI against the sandbox: every revoke method the
// vault's permission model offers, back to a healthy registry, a rotation on top, and an intact audit chain.
import { afterAll, describe, expect, it } from "vitest";
import { CliSandbox, type CliResult } from "../fixtures/cli-sandbox.js";

interface RunJson {
  run: { id: string; status: string; input?: { options: Array<{ id: string }> } };
  audit: Array<{ action: string; outcome: string; azureRequestId?: string; details: Record<string, unknown> }>;
}

const sandboxes: CliSandbox[] = [];
afterAll(() => {
  for (const sandbox of sandboxes) sandbox.remove();
});

async function healthySandbox(prefix: string, initArgs: string[] = []) {
  const sandbox = new CliSandbox(prefix);
  sandboxes.push(sandbox);
  await sandbox.ok(["sandbox", "init", ...initArgs]);
  const registry = (await sandbox.status()).registries[0]!;
  expect(registry.healthy).toBe(true);
  // The sandbox lets an automatic rotation be picked up in moments instead of Azure's hour.
  sandbox.store.update((world) => {
    world.settings.rotationPickupMs = 300;
  });
  return { sandbox, rg: registry.resourceGroup, name: registry.name };
}

function expectExit(result: CliResult, code: number): void {
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(code);
}

/** Every Azure write a run made is in its audit trail with the request id Azure (here: the sandbox) answered with. */
async function expectAuditedWrites(sandbox: CliSandbox, runId: string): Promise<number> {
  const shown = await sandbox.json<RunJson>(["runs", "show", runId]);
  const writes = shown.body.audit.filter((entry) => entry.action === "azure-write");
  for (const write of writes) {
    expect(write.outcome).toBe("ok");
    expect(write.azureRequestId, JSON.stringify(write)).toMatch(/^[0-9a-f-]{36}$/i);
  }
  return writes.length;
}

/** The key version the registry encrypts with, the key's newest version, and the key id as configured. */
function inUse(sandbox: CliSandbox): { version: string | undefined; latest: string | undefined; configured: string } {
  const world = sandbox.world();
  const registry = Object.values(world.registries)[0]!;
  const versioned = registry.encryption.versionedKeyIdentifier ?? registry.encryption.keyIdentifier ?? "";
  const [, vaultName, keyName, version] =
    /^https:\/\/([^.]+)\.vault\.azure\.net\/keys\/([^/]+)\/([^/]+)/.exec(versioned) ?? [];
  const key = world.vaults[vaultName!.toLowerCase()]!.keys[keyName!.toLowerCase()]!;
  return { version, latest: key.versions.at(-1)?.version, configured: registry.encryption.keyIdentifier ?? "" };
}

async function lastRunId(sandbox: CliSandbox): Promise<string> {
  const listed = await sandbox.json<{ runs: Array<{ id: string; startedAt: string }> }>(["runs", "list"]);
  const newest = [...listed.body.runs].sort(
    (a, b) => b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id),
  );
  return newest[0]!.id;
}

describe.concurrent("revoke → restore → rotate round-trip", () => {
  const methods = [
    { method: "access-policy", init: [] as string[], finding: "ACCESS_MISSING" },
    { method: "role-assignment", init: ["--access", "rbac"], finding: "ACCESS_MISSING" },
    { method: "disable-key", init: [] as string[], finding: "KEY_DISABLED" },
    // A pinned key version: rotation is manual (rotate-key to the new version) instead of a wait for pickup.
    { method: "access-policy", init: ["--key-version", "pinned"], finding: "ACCESS_MISSING" },
  ];
  for (const { method, init, finding } of methods) {
    it(`${init.join(" ") || "default"}: revoke --method ${method} cuts the registry off; restore and rotate bring it back healthy`, async () => {
      const { sandbox, rg, name } = await healthySandbox(`acr-cmk-roundtrip-${method}-`, init);
      const target = ["-g", rg, "-r", name];

      const revoke = await sandbox.cli(["revoke", ...target, "--yes", "--method", method]);
      expectExit(revoke, 0);
      expect(revoke.stdout).toContain(`chose ${method}`);
      expect((await sandbox.status()).registries[0]?.healthy).toBe(false);
      const cutOff = await sandbox.diagnose(rg, name);
      expect(cutOff.code).toBe(1);
      expect(cutOff.body.findings.map((f) => f.id)).toContain(finding);
      expect(await expectAuditedWrites(sandbox, await lastRunId(sandbox))).toBeGreaterThan(0);

      const restore = await sandbox.cli(["restore", ...target, "--yes"]);
      expectExit(restore, 0);
      expect((await sandbox.status()).registries[0]).toMatchObject({ healthy: true, reason: null });
      expect(await expectAuditedWrites(sandbox, await lastRunId(sandbox))).toBeGreaterThan(0);

      const before = inUse(sandbox);
      const rotate = await sandbox.cli(["rotate", ...target, "--yes"]);
      expectExit(rotate, 0);
      const after = inUse(sandbox);
      expect(after.version).not.toBe(before.version);
      expect(after.version).toBe(after.latest);
      // Automatic rotation keeps the versionless key id; manual rotation names the new version in it.
      if (init.includes("pinned")) expect(after.configured.endsWith(`/${after.version}`)).toBe(true);
      else expect(after.configured).toBe(before.configured);
      expect(await expectAuditedWrites(sandbox, await lastRunId(sandbox))).toBeGreaterThan(0);

      const diagnosis = await sandbox.diagnose(rg, name);
      expect(diagnosis.body.healthy, JSON.stringify(diagnosis.body.findings)).toBe(true);
      expect((await sandbox.status()).registries[0]).toMatchObject({ healthy: true, reason: null });
      expect(sandbox.world().counters.purgeRequests).toBe(0);
      expectExit(await sandbox.cli(["audit", "verify"]), 0);
    });
  }
});
