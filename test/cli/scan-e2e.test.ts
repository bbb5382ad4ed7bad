// `acr-cmk scan` as typed: sandbox init with fleet options, break a shared key, scan in text and JSON, exit codes.
import { afterAll, describe, expect, it } from "vitest";
import { fileStore } from "../../src/sandbox/index.js";
import { CliSandbox } from "../fixtures/cli-sandbox.js";

interface ScanJson {
  resources: Array<{
    id: string;
    type: string;
    keyId: string | null;
    healthy: boolean;
    findings: string[];
    runbook: string | null;
  }>;
  keys: Array<{ keyId: string; users: string[] }>;
  subscriptions: Array<{ subscriptionId: string; readable: boolean; reason: string | null }>;
}

const sandboxes: CliSandbox[] = [];
afterAll(() => sandboxes.forEach((s) => s.remove()));

function sandbox(): CliSandbox {
  const s = new CliSandbox("acr-cmk-scan-");
  sandboxes.push(s);
  return s;
}

describe("acr-cmk scan (CLI)", () => {
  it("exit 0 on a healthy fleet; 1 with every user of a broken shared key named, and the key's runbook", async () => {
    const s = sandbox();
    await s.ok([
      "sandbox",
      "init",
      "--registries",
      "9",
      "--container-groups",
      "3",
      "--subscriptions",
      "3",
      "--keys",
      "3",
    ]);
    const healthy = await s.json<ScanJson>(["scan"]);
    expect(healthy.code).toBe(0);
    expect(healthy.body.resources).toHaveLength(12);
    expect(healthy.body.resources.every((r) => r.healthy)).toBe(true);
    expect(Object.keys(healthy.body.resources[0] ?? {})).toEqual(
      expect.arrayContaining(["id", "type", "keyId", "healthy", "findings", "runbook"]),
    );

    // The scan's "Next: acr-cmk diagnose --id …" works for a registry in another subscription of the sandbox.
    const main = s.world().subscriptionId.toLowerCase();
    const elsewhere = healthy.body.resources.find((r) => r.type === "registry" && !r.id.toLowerCase().includes(main));
    const other = await s.json<{ registry: { subscriptionId: string } }>(["diagnose", "--id", elsewhere?.id ?? ""]);
    expect(other.code).toBe(0);
    expect(elsewhere?.id.toLowerCase()).toContain(other.body.registry.subscriptionId.toLowerCase());

    const broke = await s.cli(["sandbox", "break", "key-deleted", "--key", "kv-acr-cmk-fleet-02/acr-cmk"]);
    expect(broke.code).toBe(0);
    expect(broke.stdout).toContain("Broke key 'kv-acr-cmk-fleet-02/acr-cmk'");
    const scan = await s.json<ScanJson>(["scan", "--all-subscriptions"]);
    expect(scan.code).toBe(1);
    const key = scan.body.keys.find((k) => k.keyId.includes("kv-acr-cmk-fleet-02"));
    const unhealthy = scan.body.resources.filter((r) => !r.healthy);
    expect(unhealthy.map((r) => r.id).sort()).toEqual([...(key?.users ?? [])].sort());
    expect(unhealthy.every((r) => r.findings.includes("KEY_SOFT_DELETED") && r.runbook === "key-deleted")).toBe(true);
    expect(unhealthy.some((r) => r.type === "containerGroup")).toBe(true);

    const text = await s.cli(["scan"]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^UNHEALTHY\s+acr rg-acr-cmk-fleet\/acrcmkfleet\d+\s+kv-acr-cmk-fleet-02\/acr-cmk/m);
    expect(text.stdout).toContain("kv-acr-cmk-fleet-02/acr-cmk: 3 registries, 1 container group, 4 unhealthy");
    // The command it names next reaches the sandbox it scanned, not Azure.
    expect(text.stdout).toContain(`Next: acr-cmk --sandbox ${s.stateFile} diagnose --id ${unhealthy[0]!.id}`);
  });

  it("names a subscription it cannot read (exit 1), and exits 3 when it can read none", async () => {
    const s = sandbox();
    await s.ok(["sandbox", "init", "--registries", "4", "--subscriptions", "2", "--keys", "2"]);
    const hidden = fileStore(s.stateFile).update((world) => {
      const sub = world.subscriptions?.[0];
      if (!sub) throw new Error("no second subscription");
      sub.readable = false;
      return sub.subscriptionId;
    });
    const partial = await s.json<ScanJson>([
      "scan",
      "--subscription",
      hidden,
      "--subscription",
      s.world().subscriptionId,
    ]);
    expect(partial.code).toBe(1);
    expect(partial.body.subscriptions.find((x) => x.subscriptionId === hidden)).toMatchObject({ readable: false });
    expect(partial.body.resources.length).toBeGreaterThan(0);

    const none = await s.json<ScanJson>(["scan", "--subscription", hidden]);
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/no subscription could be read/);
  });

  it("refuses bad usage with exit 2 and changes nothing", async () => {
    const s = sandbox();
    await s.ok(["sandbox", "init", "--registries", "2", "--keys", "1"]);
    expect((await s.cli(["scan", "--subscription", "not-a-guid"])).code).toBe(2);
    expect((await s.cli(["scan", "--all-subscriptions", "--subscription", s.world().subscriptionId])).code).toBe(2);
    expect((await s.cli(["sandbox", "break", "key-deleted", "--key", "nope"])).code).toBe(2);
    expect((await s.cli(["sandbox", "break", "identity-removed", "--key", "kv-acr-cmk-fleet-01/acr-cmk"])).code).toBe(
      2,
    );
    expect(s.world().counters.writes).toBe(0);
  });
});
