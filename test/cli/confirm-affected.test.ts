// `--confirm-affected <n>`: a scripted (--yes) revoke of a key that other resources share stops at its approval and
// prints the exact command to continue; a wrong count is refused (the run stays waiting), the right one approves.
// Through the real entry point against a file-backed sandbox fleet whose registries and container groups share keys.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { World } from "../../src/sandbox/index.js";
import { CliSandbox } from "../fixtures/cli-sandbox.js";

const sandboxes: CliSandbox[] = [];
afterAll(() => {
  for (const sandbox of sandboxes) sandbox.remove();
});

interface RunDoc {
  run: { id: string; status: string; approval?: { stepId: string; confirmText?: string } };
  confirmAffected?: { required: number; given: number | null; resources: string[]; continueWith: string };
}

/** 6 registries and 2 container groups on 2 keys: the first registry's key is read by 3 registries and 1 group. */
async function fleet(prefix: string) {
  const sandbox = new CliSandbox(`acr-cmk-confirm-${prefix}-`);
  sandboxes.push(sandbox);
  await sandbox.ok(["sandbox", "init", "--registries", "6", "--container-groups", "2", "--keys", "2"]);
  const registry = Object.values(sandbox.world().registries).sort((a, b) => a.name.localeCompare(b.name))[0]!;
  return { sandbox, name: registry.name, target: ["-g", registry.resourceGroup, "-r", registry.name] };
}

/** Whether every version of the key the registry reads is still enabled (a revoke by disable-key turns it off). */
function keyEnabled(world: World, registryName: string): boolean {
  const keyId = Object.values(world.registries).find((r) => r.name === registryName)!.encryption.keyIdentifier!;
  const [, vaultName, keyName] = /^https:\/\/([^.]+)\.vault\.azure\.net\/keys\/([^/]+)/.exec(keyId)!;
  const key = world.vaults[vaultName!]!.keys[keyName!]!;
  return key.versions.every((v) => v.enabled);
}

/** revoke by disabling the key (the one method every vault offers), with the flags given. */
const revoke = (target: string[], ...flags: string[]): string[] => [
  "revoke",
  ...target,
  "--method",
  "disable-key",
  ...flags,
];

async function runsOf(sandbox: CliSandbox): Promise<Array<{ id: string; status: string }>> {
  return (await sandbox.json<{ runs: Array<{ id: string; status: string }> }>(["runs", "list"])).body.runs;
}

describe("a --yes revoke of a shared key", () => {
  let env: Awaited<ReturnType<typeof fleet>>;
  let runId: string;
  beforeAll(async () => {
    env = await fleet("shared");
  });

  it("without --confirm-affected stops at the approval and prints the exact command to continue (exit 1)", async () => {
    const result = await env.sandbox.cli(revoke(env.target, "--yes"));
    expect(result.code, result.stderr).toBe(1);
    runId = /^Run (\S+): /m.exec(result.stdout)![1]!;
    expect(result.stdout).toContain("This cuts off 4 resources, not only " + env.name);
    expect(result.stdout).toContain(
      `This change cuts off 4 resources; --yes alone does not approve it. Continue with: ` +
        `acr-cmk --sandbox ${env.sandbox.stateFile} runs resume ${runId} --yes --confirm-affected 4`,
    );
    // Nothing was sent for it: no refusal in the trail, the key is as it was.
    expect(result.stdout).not.toContain("Approval refused");
    expect(keyEnabled(env.sandbox.world(), env.name)).toBe(true);
    expect(await runsOf(env.sandbox)).toEqual([expect.objectContaining({ id: runId, status: "awaiting-approval" })]);
  });

  it("a wrong count is refused with the right count and the resources; the run stays waiting (exit 1)", async () => {
    const result = await env.sandbox.cli(["runs", "resume", runId, "--yes", "--confirm-affected", "3"]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(
      /Approval refused: .*type the number of resources affected \(4\) to approve it: registry acrcmkfleet01, registry acrcmkfleet03, registry acrcmkfleet05, container group ci-acr-cmk-/,
    );
    expect(result.stdout).toContain(`Continue with: acr-cmk --sandbox ${env.sandbox.stateFile} runs resume ${runId} `);
    expect(keyEnabled(env.sandbox.world(), env.name)).toBe(true);
    expect(await runsOf(env.sandbox)).toEqual([expect.objectContaining({ id: runId, status: "awaiting-approval" })]);
    const shown = await env.sandbox.json<{ audit: Array<{ action: string; outcome: string }> }>([
      "runs",
      "show",
      runId,
    ]);
    // The refusal is in the audit trail, once: the earlier stop sent nothing.
    expect(shown.body.audit.filter((e) => e.outcome === "refused: confirmation-required")).toHaveLength(1);
  });

  it("--output json carries the count wanted, the count given, the resources and the command to continue", async () => {
    const result = await env.sandbox.json<RunDoc>(["runs", "resume", runId, "--yes", "--confirm-affected", "5"]);
    expect(result.code).toBe(1);
    expect(result.body.run.status).toBe("awaiting-approval");
    expect(result.body.confirmAffected).toEqual({
      required: 4,
      given: 5,
      resources: expect.arrayContaining([expect.stringMatching(/\/containerGroups\/ci-acr-cmk-/)]),
      continueWith: `acr-cmk --sandbox ${env.sandbox.stateFile} runs resume ${runId} --yes --confirm-affected 4`,
    });
    expect(result.body.confirmAffected!.resources).toHaveLength(4);
  });

  it("the right count approves it and the key is disabled for all four (exit 0)", async () => {
    const result = await env.sandbox.cli(["runs", "resume", runId, "--yes", "--confirm-affected", "4"]);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain(`Run ${runId} succeeded.`);
    expect(keyEnabled(env.sandbox.world(), env.name)).toBe(false);
  });
});

describe("the count given up front", () => {
  it("revoke --yes --confirm-affected <n> goes through in one command; json has no confirmAffected", async () => {
    const { sandbox, name, target } = await fleet("upfront");
    const result = await sandbox.json<RunDoc>(revoke(target, "--yes", "--confirm-affected", "4"));
    expect(result.code, result.stderr).toBe(0);
    expect(result.body.run.status).toBe("succeeded");
    expect(result.body.confirmAffected).toBeUndefined();
    expect(result.stderr).toContain("approving as");
    expect(result.stderr).toContain("--confirm-affected 4");
    expect(keyEnabled(sandbox.world(), name)).toBe(false);
  });

  it("a count on a run whose approval wants none changes nothing about it (a key nobody else reads)", async () => {
    const sandbox = new CliSandbox("acr-cmk-confirm-single-");
    sandboxes.push(sandbox);
    await sandbox.ok(["sandbox", "init"]);
    const { resourceGroup, name } = (await sandbox.status()).registries[0]!;
    const target = ["-g", resourceGroup, "-r", name];
    const result = await sandbox.cli(revoke(target, "--yes", "--confirm-affected", "1"));
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).not.toContain("cuts off");
  });
});

describe("--confirm-affected is validated before anything starts (exit 2)", () => {
  let env: Awaited<ReturnType<typeof fleet>>;
  beforeAll(async () => {
    env = await fleet("invalid");
  });

  const commands = (target: string[]): Array<[string, string[]]> => [
    ["revoke", revoke(target)],
    ["run", ["run", "rotate", ...target]],
    ["recover", ["recover", ...target]],
    ["rotate", ["rotate", ...target]],
    ["restore", ["restore", ...target]],
    ["runs resume", ["runs", "resume", "20300101-000000-abcdef"]],
  ];

  it.each(["0", "-1", "abc", "1.5", "4x", " "])("%j on every command that approves with --yes", async (value) => {
    for (const [label, args] of commands(env.target)) {
      const result = await env.sandbox.cli([...args, "--yes", `--confirm-affected=${value}`]);
      expect(result.code, `${label}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain("--confirm-affected takes");
      expect(result.stderr).not.toMatch(/\s+at /);
    }
    expect(await runsOf(env.sandbox)).toEqual([]);
  });

  it("without --yes (nothing would approve from the command line)", async () => {
    for (const [label, args] of commands(env.target)) {
      const result = await env.sandbox.cli([...args, "--confirm-affected", "4"]);
      expect(result.code, `${label}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain("--confirm-affected answers an approval that --yes gives: add --yes");
    }
    expect(await runsOf(env.sandbox)).toEqual([]);
  });
});
