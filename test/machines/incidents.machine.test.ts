// Each sandbox incident (`acr-cmk sandbox break --help`), recovered by the runbook diagnose names, run unattended the way `--yes`
// runs it: the registry ends healthy by the sandbox's own ground truth, or the run ends honestly (unrecoverable,
// escalated) and says why. Nothing is ever purged.
import { describe, expect, it } from "vitest";
import { RUNBOOKS } from "../../src/machines/index.js";
import type { RunbookId } from "../../src/diagnosis/types.js";
import type { ScenarioOptions } from "../../src/sandbox/scenarios.js";
import { advance, autoRun, groundTruth, sandbox, startRun } from "./harness.js";

const cases: Array<{
  incident: string;
  runbook: RunbookId;
  scenario?: ScenarioOptions;
  end: "succeeded" | "unrecoverable" | "escalated";
}> = [
  { incident: "key-deleted", runbook: "key-deleted", end: "succeeded" },
  { incident: "vault-deleted", runbook: "key-deleted", end: "succeeded" },
  { incident: "vault-deleted", runbook: "key-deleted", scenario: { access: "rbac" }, end: "succeeded" },
  {
    incident: "key-purged",
    runbook: "key-deleted",
    scenario: { scenario: "no-purge-protection" },
    end: "unrecoverable",
  },
  {
    incident: "vault-purged",
    runbook: "key-deleted",
    scenario: { scenario: "no-purge-protection" },
    end: "unrecoverable",
  },
  { incident: "identity-removed", runbook: "identity-removed", end: "succeeded" },
  {
    incident: "system-identity-removed",
    runbook: "identity-removed",
    scenario: { scenario: "system-identity" },
    end: "escalated",
  },
  { incident: "firewall-403", runbook: "firewall-403", end: "succeeded" },
  { incident: "access-revoked", runbook: "restore", end: "succeeded" },
  { incident: "access-revoked", runbook: "restore", scenario: { access: "rbac" }, end: "succeeded" },
  { incident: "key-disabled", runbook: "restore", end: "succeeded" },
  { incident: "key-expired", runbook: "restore", end: "succeeded" },
];

describe("every incident, recovered unattended on the sandbox", () => {
  it.each(
    cases.map(
      (c) => [`${c.incident} ${c.scenario ? JSON.stringify(c.scenario) : ""} → ${c.runbook} → ${c.end}`, c] as const,
    ),
  )("%s", async (_name, c) => {
    const sb = sandbox(c.scenario ?? {}, [c.incident]);
    // Reads break at once, except for an expired key (unwrap still works) and a removed identity (grace period).
    const readsStillWork = ["key-expired", "identity-removed", "system-identity-removed"].includes(c.incident);
    expect(groundTruth(sb).healthy).toBe(readsStillWork);
    const run = startRun(RUNBOOKS[c.runbook], sb.azure, sb.target);
    const end = await autoRun(run);
    expect(String(end.value), end.context.lastError?.message).toBe(c.end);
    if (c.end === "succeeded") expect(groundTruth(sb)).toEqual({ healthy: true, reason: null });
    else expect(end.context.outcome?.nextSteps.length).toBeGreaterThan(0);
    expect(sb.world().counters.purgeRequests).toBe(0);
  });

  it("a purged key says plainly that the data cannot be decrypted, and what to do next", async () => {
    const sb = sandbox({ scenario: "no-purge-protection" }, ["key-purged"]);
    const end = await autoRun(startRun(RUNBOOKS["key-deleted"], sb.azure, sb.target));
    expect(end.context.outcome?.summary).toMatch(/cannot be decrypted/);
    expect(end.context.outcome?.nextSteps.join("\n")).toMatch(/support request/);
    expect(end.context.outcome?.nextSteps.join("\n")).toMatch(/az keyvault key restore --vault-name kv-acr-cmk-demo/);
    expect(end.context.outcome?.nextSteps.join("\n")).toMatch(/push the images again/);
  });

  it("a removed system identity escalates with a ready-to-paste support request", async () => {
    const sb = sandbox({ scenario: "system-identity" }, ["system-identity-removed"]);
    const end = await autoRun(startRun(RUNBOOKS["identity-removed"], sb.azure, sb.target));
    const request = end.context.outcome?.nextSteps[1] ?? "";
    expect(request).toContain(`Registry resource id: /subscriptions/${sb.target.subscriptionId}/resourceGroups/`);
    expect(request).toMatch(/Encryption identity: system-assigned/);
    expect(request).toMatch(/Error: /);
    expect(request).toContain(end.context.startedAt);
    expect(sb.world().counters.writes).toBe(0);
  });

  it("revoke → restore → rotate round-trips on a healthy registry", async () => {
    const sb = sandbox({ scenario: "rbac" });
    const revoked = await autoRun(startRun(RUNBOOKS.revoke, sb.azure, sb.target), {
      "choose-method": "role-assignment",
    });
    expect(String(revoked.value)).toBe("succeeded");
    expect(groundTruth(sb).healthy).toBe(false);
    expect(revoked.context.rollback.join("\n")).toMatch(
      /az role assignment create --assignee-object-id .* --role e147488a-f6f5-4113-8e2d-b22465e65bf6/,
    );

    const restored = await autoRun(startRun(RUNBOOKS.restore, sb.azure, sb.target));
    expect(String(restored.value), restored.context.lastError?.message).toBe("succeeded");
    expect(groundTruth(sb).healthy).toBe(true);

    let waits = 0;
    const rotated = await autoRun(startRun(RUNBOOKS.rotate, sb.azure, sb.target), {}, () => {
      waits++;
      if (waits === 2) advance(sb, 61 * 60 * 1000);
    });
    expect(String(rotated.value), rotated.context.lastError?.message).toBe("succeeded");
    expect(waits).toBeGreaterThanOrEqual(2);
    expect(rotated.context.facts.newKeyVersion).toBeTruthy();
    expect(groundTruth(sb).healthy).toBe(true);
  });

  it("revoke by disabling the key, then restore re-enables it", async () => {
    const sb = sandbox();
    const revoked = await autoRun(startRun(RUNBOOKS.revoke, sb.azure, sb.target), { "choose-method": "disable-key" });
    expect(String(revoked.value)).toBe("succeeded");
    expect(groundTruth(sb).healthy).toBe(false);
    const restored = await autoRun(startRun(RUNBOOKS.restore, sb.azure, sb.target));
    expect(restored.context.before["enable-key"]).toMatchObject({ enabled: false });
    expect(groundTruth(sb).healthy).toBe(true);
  });

  it("manual rotation can switch the registry to automatic rotation on request", async () => {
    const sb = sandbox({ keyVersion: "pinned" });
    const run = startRun(RUNBOOKS.rotate, sb.azure, sb.target);
    const end = await autoRun(run, { "approve-rotate-key": "switch-to-automatic" });
    expect(String(end.value)).toBe("succeeded");
    const registry = await sb.azure.getRegistry({ resourceGroup: sb.target.resourceGroup, name: sb.target.registry });
    expect(registry.encryption.keyIdentifier).toMatch(/\/keys\/acr-cmk$/);
    expect(registry.encryption.versionedKeyIdentifier).toContain(String(end.context.facts.newKeyVersion));
  });
});
