// Every runbook names the registry's identity the same way: by its resource name, with the client id (what the
// registry's encryption settings hold) and the object id (what set-policy --object-id and role assignments use)
// both labelled, so the approver can match the title with the command beside it.
import { describe, expect, it } from "vitest";
import { RUNBOOKS } from "../../src/machines/index.js";
import type { RunbookId } from "../../src/diagnosis/types.js";
import type { ScenarioOptions } from "../../src/sandbox/scenarios.js";
import type { World } from "../../src/sandbox/world.js";
import { sandbox, settled, startRun, type RunSnapshot } from "./harness.js";
import { encryptionIdentityRecord, incident, vaultOf } from "./world-changes.js";

/** Approves every change until the run waits at `approval`, and returns that snapshot. */
async function runUntil(run: ReturnType<typeof startRun>, approval: string, choices: Record<string, string> = {}) {
  for (let i = 0; i < 30; i++) {
    const s: RunSnapshot = await settled(run.actor);
    const value = String(s.value);
    if (value === approval) return s;
    if (s.status !== "active" || value === "failed")
      throw new Error(`run ended at ${value} before ${approval}: ${s.context.lastError?.message}`);
    if (s.hasTag("approval"))
      run.actor.send({ type: "APPROVE", by: "bob", fingerprint: String(s.context.pendingApproval?.fingerprint) });
    else if (s.hasTag("input"))
      run.actor.send({
        type: "INPUT",
        by: "bob",
        value: choices[value] ?? String(s.context.pendingInput?.options[0]?.id),
      });
    else throw new Error(`unexpected wait at ${value}`);
  }
  throw new Error(`never reached ${approval}`);
}

function identityOf(world: World) {
  const record = encryptionIdentityRecord(world);
  if (!record) throw new Error("no user-assigned encryption identity");
  return record;
}

const cases: Array<{
  name: string;
  runbook: RunbookId;
  scenario?: ScenarioOptions;
  incidents?: string[];
  before?: (w: World, now: Date) => void;
  approval: string;
  choices?: Record<string, string>;
  /** The command shown beside the title uses the object id. */
  objectIdInAz: boolean;
}> = [
  {
    name: "restore grants access",
    runbook: "restore",
    incidents: ["access-revoked"],
    approval: "approve-grant-access",
    objectIdInAz: true,
  },
  {
    name: "key-deleted re-grants the role a recovered RBAC vault lost",
    runbook: "key-deleted",
    scenario: { access: "rbac" },
    incidents: ["vault-deleted"],
    approval: "approve-grant-access",
    objectIdInAz: true,
  },
  {
    name: "revoke removes the access policy",
    runbook: "revoke",
    approval: "approve-revoke-access",
    choices: { "choose-method": "access-policy" },
    objectIdInAz: true,
  },
  {
    name: "identity-removed re-assigns the identity",
    runbook: "identity-removed",
    incidents: ["identity-removed"],
    approval: "approve-reassign-identity",
    objectIdInAz: false,
  },
  {
    name: "rotate moves a pinned registry",
    runbook: "rotate",
    scenario: { keyVersion: "pinned" },
    approval: "approve-rotate-key",
    objectIdInAz: false,
  },
  {
    name: "firewall-403 reconfigures key and identity",
    runbook: "firewall-403",
    before: (w, now) => {
      incident("firewall-403")(w, now);
      vaultOf(w).networkAcls.bypass = "AzureServices";
    },
    approval: "approve-reconfigure-key",
    objectIdInAz: false,
  },
];

describe("the identity is named by its resource name with both ids labelled", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const sb = sandbox(c.scenario ?? {}, c.incidents ?? []);
    if (c.before) sb.store.update((w, now) => c.before?.(w, now));
    const identity = identityOf(sb.world());
    const label = `identity ${identity.name} (client id ${identity.clientId}, object id ${identity.principalId})`;
    const s = await runUntil(startRun(RUNBOOKS[c.runbook], sb.azure, sb.target), c.approval, c.choices);
    const pending = s.context.pendingApproval;
    const shown = [pending?.title, pending?.before, pending?.after].join("\n");
    expect(shown).toContain(label);
    if (c.objectIdInAz) expect(pending?.az).toContain(identity.principalId);
    // No line names the identity by a bare client id any more.
    const lines = [...Object.values(s.context.evidence).flat(), shown];
    for (const line of lines.filter((l) => l.includes(identity.clientId)))
      expect(line, line).toMatch(new RegExp(`client id ${identity.clientId}`));
  });

  it("the same label appears in the evidence of the access check", async () => {
    const sb = sandbox({}, ["access-revoked"]);
    const identity = identityOf(sb.world());
    const s = await runUntil(startRun(RUNBOOKS.restore, sb.azure, sb.target), "approve-grant-access");
    expect(s.context.evidence["check-access"]?.[0]).toBe(
      `The encryption identity ${identity.name} (client id ${identity.clientId}, object id ${identity.principalId}) lacks get, wrapKey, unwrapKey on kv-acr-cmk-demo`,
    );
  });

  it("a system-assigned identity is named as such, with its object id", async () => {
    const sb = sandbox({ scenario: "system-identity" }, ["access-revoked"]);
    const principal =
      sb.world().registries[Object.keys(sb.world().registries)[0] as string]?.systemIdentity?.principalId;
    const s = await runUntil(startRun(RUNBOOKS.restore, sb.azure, sb.target), "approve-grant-access");
    expect(s.context.pendingApproval?.title).toContain(
      `the registry's system-assigned identity (object id ${principal})`,
    );
    expect(s.context.pendingApproval?.az).toContain(`--object-id ${principal}`);
  });
});
