// diagnose --id <container group>: the group's key checked through the real SDK clients against the sandbox, the
// key's fix named when there is one, the redeploy shape otherwise, and the other users of the key.
import { afterAll, describe, expect, it } from "vitest";
import { CliSandbox } from "../../fixtures/cli-sandbox.js";
import { containerGroups } from "../../../src/sandbox/index.js";

interface GroupJson {
  containerGroup: { id: string; encryption: { keyName: string; keyVersion: string } };
  healthy: boolean;
  findings: Array<{ id: string; severity: string; detail: string; runbook: string | null }>;
  runbook: string | null;
  sharedWith: string[];
  redeploy: { command: string; file: string } | null;
}

const sandboxes: CliSandbox[] = [];
afterAll(() => sandboxes.forEach((s) => s.remove()));

async function fleet(): Promise<{ s: CliSandbox; groupId: string; key: string }> {
  const s = new CliSandbox("acr-cmk-aci-");
  sandboxes.push(s);
  await s.ok([
    "sandbox",
    "init",
    "--registries",
    "4",
    "--container-groups",
    "2",
    "--subscriptions",
    "2",
    "--keys",
    "2",
  ]);
  const group = containerGroups(s.world())[0];
  if (!group) throw new Error("no container group");
  const vault = /^https:\/\/([^.]+)\./.exec(group.encryptionProperties.vaultBaseUrl)?.[1];
  return { s, groupId: group.id, key: `${vault}/${group.encryptionProperties.keyName}` };
}

describe("diagnose --id <container group id>", () => {
  it("a healthy group: exit 0, no findings that matter, the other users of its key named", async () => {
    const { s, groupId } = await fleet();
    const { code, body } = await s.json<GroupJson>(["diagnose", "--id", groupId]);
    expect(code).toBe(0);
    expect(body.healthy).toBe(true);
    expect(body.findings.filter((f) => f.severity !== "info")).toEqual([]);
    expect(body.findings.map((f) => f.id)).not.toContain("NOT_PREMIUM");
    expect(body.sharedWith.length).toBe(2); // 2 registries on the same key (6 users over 2 keys), minus itself
    expect(body.redeploy).toBeNull();
  });

  it("a deleted key: the key's fix (key-deleted), no redeploy", async () => {
    const { s, groupId, key } = await fleet();
    await s.ok(["sandbox", "break", "key-deleted", "--key", key]);
    const { code, body } = await s.json<GroupJson>(["diagnose", "--id", groupId]);
    expect(code).toBe(1);
    expect(body.findings[0]?.id).toBe("KEY_SOFT_DELETED");
    expect(body.runbook).toBe("key-deleted");
    expect(body.redeploy).toBeNull();
    // The rules' words are said of the group.
    expect(body.findings[0]?.detail).toContain("the container group picks it up again");
    const text = await s.cli(["diagnose", "--id", groupId]);
    expect(text.stdout).not.toMatch(/\bthe registry\b/i);
  });

  it("a purged key: the group must be redeployed, with the az container create shape", async () => {
    const { s, groupId, key } = await fleet();
    await s.ok(["sandbox", "break", "key-purged", "--key", key]);
    const { code, body } = await s.json<GroupJson>(["diagnose", "--id", groupId]);
    expect(code).toBe(1);
    expect(body.findings.map((f) => f.id)).toEqual(expect.arrayContaining(["KEY_PURGED", "CONTAINER_GROUP_REDEPLOY"]));
    expect(body.runbook).toBeNull();
    expect(body.redeploy?.command).toMatch(
      /^az container create --resource-group rg-acr-cmk-fleet --file ci-acr-cmk-01\.yaml$/,
    );
    expect(body.redeploy?.file).toContain("encryptionProperties:");
    expect(body.redeploy?.file).toContain(`keyName: ${body.containerGroup.encryption.keyName}`);
    const text = await s.cli(["diagnose", "--id", groupId]);
    expect(text.stdout).toContain("Redeploy with: az container create");
  });

  it("an unknown container group is bad input (exit 2)", async () => {
    const { s, groupId } = await fleet();
    const missing = groupId.replace(/ci-acr-cmk-01$/, "ci-nope");
    const result = await s.cli(["diagnose", "--id", missing]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not found/);
  });

  it("a registry with a broken shared key names the other resources that read it", async () => {
    const { s, key } = await fleet();
    await s.ok(["sandbox", "break", "key-disabled", "--key", key]);
    const vault = key.split("/")[0] ?? "";
    const registry = Object.values(s.world().registries).find((r) =>
      r.encryption.keyIdentifier?.includes(`//${vault}.`),
    );
    const { code, body } = await s.json<{ healthy: boolean; sharedWith?: string[] }>([
      "diagnose",
      "-g",
      registry?.resourceGroup ?? "",
      "-r",
      registry?.name ?? "",
    ]);
    expect(code).toBe(1);
    expect(body.sharedWith?.length).toBe(2);
  });
});
