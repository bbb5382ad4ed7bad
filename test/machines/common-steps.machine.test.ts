// A step several runbooks take (grant access, verify the registry, back up the key) is one step: the same actor,
// command and risk in every runbook, with only the reasons and the next state chosen by the runbook.
import { describe, expect, it } from "vitest";
import { RUNBOOKS } from "../../src/machines/index.js";
import { AZ } from "../../src/machines/az.js";
import { backupKey, grantAccess, verifyRegistry } from "../../src/machines/common-steps.js";
import type { StepSpec } from "../../src/machines/steps.js";

const sharedIds = [
  "approve-grant-access",
  "grant-access",
  "verify-grant-access",
  "verify-registry",
  "approve-backup-key",
  "backup-key",
  "verify-backup-key",
];

/** What must not differ between runbooks: how the step acts on Azure and what it shows as its command. */
const behaviour = (step: StepSpec) => ({
  type: step.type,
  actor: "actor" in step ? step.actor : undefined,
  kind: step.meta.kind,
  risk: step.meta.risk,
  az: step.meta.az,
  azByAccess: step.azByAccess,
  irreversible: step.meta.irreversible,
});

describe("steps shared by several runbooks", () => {
  it.each(sharedIds)("%s acts the same way in every runbook that takes it", (id) => {
    const found = Object.values(RUNBOOKS).flatMap((runbook) => runbook.spec.steps.filter((step) => step.id === id));
    expect(found.length).toBeGreaterThanOrEqual(2);
    const [first, ...others] = found.map(behaviour);
    for (const other of others) expect(other).toEqual(first);
  });

  it("a key backup always says what acr-cmk keeps of it, after the runbook's own reason", () => {
    const [approval, change, check] = backupKey({ why: "A reason.", next: "succeeded", recheck: "check-pickup" });
    expect(change.meta.why).toBe("A reason. acr-cmk records only its size and digest, never the blob.");
    expect(approval.meta.why).toMatch(/A reason\. acr-cmk records only its size and digest, never the blob\.$/);
    expect(change.recheck).toBe("check-pickup");
    expect(check.on).toEqual({ ok: "succeeded" });
    expect(change.meta.az).toBe(AZ.backupKey);
  });

  it("an access grant returns to check-access when its approval goes stale and moves on once verified", () => {
    const [approval, change, check] = grantAccess({ title: "Grant it", why: "Because.", next: "verify-registry" });
    expect(approval.meta.title).toBe("Approve: grant it");
    expect(change.recheck).toBe("check-access");
    expect(check.on).toEqual({ ok: "verify-registry", missing: "failed" });
  });

  it("verifying the registry has a default reason and a runbook may give its own", () => {
    expect(verifyRegistry({ next: "succeeded" }).meta.why).toBe("The registry's own data plane must answer again.");
    const own = verifyRegistry({ next: "recommend-backup", why: "Own reason." });
    expect(own.meta.why).toBe("Own reason.");
    expect(own.on).toEqual({ ok: "recommend-backup", unreadable: "failed" });
  });
});
