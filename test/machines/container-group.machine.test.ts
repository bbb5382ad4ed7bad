// The container-group forms of key-deleted and restore, end to end against the sandbox through the real SDK clients
// (the group read through @azure/arm-containerinstance): each incident on the key the group was deployed with is
// repaired and the sandbox's own ground truth for the group agrees; what only a redeploy can fix ends the run saying
// so; the approvals name every user of the key.
import { describe, expect, it } from "vitest";
import { RUNBOOKS, runbookFor, CONTAINER_GROUP_RUNBOOK_IDS, type RunbookWithSpec } from "../../src/machines/index.js";
import { CONTAINER_GROUP_RUNBOOKS } from "../../src/diagnosis/fleet/scan.js";
import { worldNow } from "../../src/sandbox/clock.js";
import {
  GROUP_WORLD,
  autoRun,
  groundTruth,
  groupGroundTruth,
  groupTarget,
  sandbox,
  settled,
  startRun,
  type Sandbox,
} from "./harness.js";
import { deleteGroupIdentity, groupOf, keyInUse, setOperatorKeyUpdate } from "./world-changes.js";

function groupForm(id: "key-deleted" | "restore"): RunbookWithSpec {
  const form = RUNBOOKS[id].containerGroup;
  if (!form) throw new Error(`${id} has a container-group form`);
  return form;
}
const keyDeleted = groupForm("key-deleted");
const restore = groupForm("restore");

function run(sb: Sandbox, definition: RunbookWithSpec) {
  const actors = definition.actors(sb.azure, {
    now: () => worldNow(sb.world()),
    missingKeyLook: { everyMs: 5, forMs: 50 },
  });
  return startRun(definition, sb.azure, groupTarget(sb), actors);
}

describe("a container group's runbooks repair the key it was deployed with", () => {
  it("only key-deleted and restore have a container-group form, the same ones the diagnosis names for groups", () => {
    expect(CONTAINER_GROUP_RUNBOOK_IDS).toEqual(["key-deleted", "restore"]);
    expect([...CONTAINER_GROUP_RUNBOOKS].sort()).toEqual([...CONTAINER_GROUP_RUNBOOK_IDS].sort());
    const group = { subscriptionId: "s", resourceGroup: "rg", containerGroup: "ci" };
    expect(runbookFor("rotate", group)).toBeUndefined();
    expect(runbookFor("restore", group)?.spec.steps.map((s) => s.id)).not.toContain("offer-new-key-version");
    expect(runbookFor("restore", { subscriptionId: "s", resourceGroup: "rg", registry: "r" })).toBe(RUNBOOKS.restore);
  });

  it("key-deleted recovers the soft-deleted key; the group (and the registry sharing the key) can read it again", async () => {
    const sb = sandbox(GROUP_WORLD, ["key-deleted"]);
    expect(groupGroundTruth(sb).ok).toBe(false);
    const end = await autoRun(run(sb, keyDeleted));
    expect(String(end.value), end.context.lastError?.message).toBe("succeeded");
    expect(end.context.evidence["verify-container-group"]?.join("\n")).toMatch(/the one the group was deployed with/);
    expect(groupGroundTruth(sb)).toEqual({ ok: true, reason: null });
    expect(groundTruth(sb).healthy).toBe(true);
  });

  it("key-deleted after a vault deletion recovers the vault, and the key comes back with it", async () => {
    const sb = sandbox(GROUP_WORLD, ["vault-deleted"]);
    const end = await autoRun(run(sb, keyDeleted));
    expect(String(end.value), end.context.lastError?.message).toBe("succeeded");
    expect(end.context.approved["recover-vault"]).toBeDefined();
    expect(groupGroundTruth(sb).ok).toBe(true);
  });

  it("restore gives the group's identity its access back, naming every user of the key on the approval", async () => {
    const sb = sandbox(GROUP_WORLD, ["access-revoked"]);
    expect(groupGroundTruth(sb).ok).toBe(false);
    const r = run(sb, restore);
    const waiting = await settled(r.actor);
    expect(String(waiting.value)).toBe("approve-grant-access");
    expect(waiting.context.pendingApproval?.title).toMatch(/id-acr-cmk-fleet-01/);
    const end = await autoRun(r);
    expect(String(end.value), end.context.lastError?.message).toBe("succeeded");
    expect(groupGroundTruth(sb)).toEqual({ ok: true, reason: null });
  });

  it("restore re-enables a disabled version; its approval lists the group first, then the registry reading the key", async () => {
    const sb = sandbox(GROUP_WORLD, ["key-disabled"]);
    const r = run(sb, restore);
    const waiting = await settled(r.actor);
    expect(String(waiting.value)).toBe("approve-enable-key");
    const blast = waiting.context.pendingApproval?.blastRadius;
    expect(blast?.affected[0]).toBe(groupOf(sb.world()).id.toLowerCase());
    expect(blast?.affected.some((id) => /registries\/acrcmkfleet01$/i.test(id))).toBe(true);
    const end = await autoRun(r);
    expect(String(end.value), end.context.lastError?.message).toBe("succeeded");
    expect(keyInUse(sb.world()).version.enabled).toBe(true);
    expect(groupGroundTruth(sb).ok).toBe(true);
  });

  it("restore extends an expired version the group was deployed with", async () => {
    const sb = sandbox(GROUP_WORLD, ["key-expired"]);
    const end = await autoRun(run(sb, restore));
    expect(String(end.value), end.context.lastError?.message).toBe("succeeded");
    expect(Date.parse(String(keyInUse(sb.world()).version.exp))).toBeGreaterThan(worldNow(sb.world()).getTime());
  });

  it("when Key Vault refuses the extension, the run stops resumable and says to retry or redeploy; no new version", async () => {
    const sb = sandbox(GROUP_WORLD, ["key-expired"]);
    sb.store.update((w) => setOperatorKeyUpdate(w, false));
    const r = run(sb, restore);
    const end = await autoRun(r);
    expect(String(end.value)).toBe("failed");
    expect(end.context.lastError?.message).toMatch(/reads only the version it was deployed with/);
    expect(end.context.lastError?.message).toMatch(/diagnose --id \/subscriptions\/.*containerGroups\/ci-acr-cmk-01/);
    expect(r.visited).not.toContain("offer-new-key-version");
    expect(keyInUse(sb.world()).key.versions).toHaveLength(1);
  });

  it("a purged key is unrecoverable for the group: the run says to redeploy it with a new key", async () => {
    const sb = sandbox(GROUP_WORLD, ["key-purged"]);
    const end = await autoRun(run(sb, keyDeleted));
    expect(String(end.value)).toBe("unrecoverable");
    expect(end.context.outcome?.summary).toMatch(/Container group ci-acr-cmk-01 was deployed with that key/);
    expect(end.context.outcome?.nextSteps.join("\n")).toMatch(/redeploy the group with a new key/);
  });

  it("a deleted identity cannot be given back to a group: key-deleted escalates with the redeploy advice", async () => {
    const sb = sandbox(GROUP_WORLD);
    sb.store.update((w) => deleteGroupIdentity(w));
    const end = await autoRun(run(sb, keyDeleted));
    expect(String(end.value)).toBe("escalated");
    expect(end.context.outcome?.summary).toMatch(/identity is fixed when it is deployed/);
    expect(end.context.outcome?.nextSteps.join("\n")).toMatch(/diagnose --id .*containerGroups\/ci-acr-cmk-01/);
  });
});
