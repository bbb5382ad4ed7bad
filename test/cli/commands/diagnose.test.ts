// The diagnose command with a hand-built CliContext: the port enters through ctx.azure(), streams are captured.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { diagnoseCommand } from "../../../src/cli/commands/diagnose.js";
import type { CliContext, GlobalOptions } from "../../../src/cli/context.js";
import { UsageError } from "../../../src/cli/errors.js";
import { fakeAzure, type FakeWorld } from "../../diagnosis/fake-azure.js";
import { key, registry, userIdentity, vault, version } from "../../diagnosis/snapshots.js";

const identity = userIdentity();
const healthyWorld = (): FakeWorld => ({
  registry: registry(),
  vault: vault(),
  key: key(),
  versions: [version()],
  identities: [identity],
});

function context(world: FakeWorld, globals: Partial<GlobalOptions> = {}) {
  let out = "";
  let err = "";
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on("data", (d: Buffer) => (out += d.toString()));
  stderr.on("data", (d: Buffer) => (err += d.toString()));
  const azure = fakeAzure(world);
  const ctx: CliContext = {
    globals: {
      output: "text",
      color: false,
      verbose: false,
      home: "/tmp/none",
      subscription: azure.subscriptionId,
      ...globals,
    },
    env: {},
    stdout,
    stderr,
    stdin: new PassThrough(),
    azure: async () => azure,
  };
  return { ctx, azure, out: () => out, err: () => err };
}

describe("acr-cmk diagnose (command)", () => {
  it("a healthy registry exits 0 and says so in one headline", async () => {
    const { ctx, out } = context(healthyWorld());
    await expect(diagnoseCommand(ctx, { resourceGroup: "rg-acr", registry: "acrprod" })).resolves.toBe(0);
    expect(out()).toContain("Healthy: the registry can reach and use its key.");
    expect(out()).toContain("Next: nothing to do.");
  });

  it("--output json prints exactly one document: registry, healthy, findings, plus impact, probe and the timeline", async () => {
    const { ctx, out } = context({ ...healthyWorld(), vault: vault({ accessPolicies: [] }) }, { output: "json" });
    await expect(diagnoseCommand(ctx, { resourceGroup: "rg-acr", registry: "acrprod" })).resolves.toBe(1);
    const doc = JSON.parse(out()) as Record<string, unknown>;
    expect(Object.keys(doc).sort()).toEqual([
      "findings",
      "healthy",
      "impact",
      "probe",
      "registry",
      "timeline",
      "timelineInfo",
    ]);
    expect(doc.healthy).toBe(false);
    // The Impact line of the text report, as data.
    expect(doc.impact).toMatchObject({ state: expect.stringMatching(/^(unhealthy|degraded|unknown)$/) });
    const [first] = doc.findings as Array<Record<string, unknown>>;
    expect(first).toMatchObject({ id: "ACCESS_MISSING", severity: "critical", runbook: "restore" });
    for (const field of ["id", "severity", "title", "detail", "evidence", "runbook"])
      expect(first).toHaveProperty(field);
    expect(doc.probe).toMatchObject({ calls: 6, waves: 2 });
  });

  it("text output puts the most severe finding first and ends with the exact next command", async () => {
    const { ctx, out, azure } = context({
      ...healthyWorld(),
      vault: vault({ accessPolicies: [], enablePurgeProtection: false }),
    });
    await diagnoseCommand(ctx, { resourceGroup: "rg-acr", registry: "acrprod" });
    const text = out();
    expect(text).toMatch(/^Critical: The encryption identity has no key access .*\(1 critical, 1 warning\)$/m);
    expect(text).toContain("Impact: degraded — content still reads for now");
    expect(text.indexOf("ACCESS_MISSING")).toBeLessThan(text.indexOf("PURGE_PROTECTION_OFF"));
    // The subscription in use is named, so the command pasted in another shell acts on this registry.
    expect(text).toContain(`Next: acr-cmk --subscription ${azure.subscriptionId} restore -g rg-acr -r acrprod`);
    expect(text).toMatch(/evidence: field=properties\.accessPolicies/);
  });

  it("--id works and its subscription must match the one in use", async () => {
    const id = registry().id;
    const { ctx } = context(healthyWorld());
    await expect(diagnoseCommand(ctx, { id })).resolves.toBe(0);
    const other = context(healthyWorld());
    await expect(
      diagnoseCommand(other.ctx, {
        id: id.replace("00000000-0000-0000-0000-000000000001", "99999999-9999-9999-9999-999999999999"),
      }),
    ).rejects.toThrow(/subscription 99999999-9999-9999-9999-999999999999/);
  });

  it("bad input is a UsageError (exit 2) that names the expected form, before any Azure call", async () => {
    const { ctx, azure } = context(healthyWorld());
    await expect(diagnoseCommand(ctx, { id: "/subscriptions/x/registries/y" })).rejects.toThrow(
      /expected \/subscriptions\/<id>\/resourceGroups\/<group>\/providers\/Microsoft.ContainerRegistry\/registries\/<name>/,
    );
    await expect(diagnoseCommand(ctx, { registry: "acrprod" })).rejects.toThrow(UsageError);
    await expect(diagnoseCommand(ctx, { resourceGroup: "rg", registry: "a-b" })).rejects.toThrow(/registry name/);
    await expect(diagnoseCommand(ctx, { resourceGroup: "rg", registry: "acrprod", id: registry().id })).rejects.toThrow(
      /either --id or -g\/-r/,
    );
    expect(azure.calls).toEqual([]);
  });

  it("an unknown registry is a UsageError naming registry, group and subscription", async () => {
    const { ctx } = context({});
    await expect(diagnoseCommand(ctx, { resourceGroup: "rg-acr", registry: "nosuchreg" })).rejects.toThrow(
      "registry 'nosuchreg' not found in resource group 'rg-acr' (subscription 00000000-0000-0000-0000-000000000001)",
    );
  });
});
