// Single transitions of every runbook machine (pure: `transition` / `getNextSnapshot` from xstate), and the shape
// rules of protocol.ts checked on the machines themselves.
import { describe, expect, it } from "vitest";
import { getNextSnapshot, initialTransition, type AnyStateMachine } from "xstate";
import { RUNBOOKS, type RunbookWithSpec } from "../../src/machines/index.js";
import type { RunbookContext } from "../../src/machines/run-context.js";
import { plan } from "./plans.js";
import { ROTATION_PICKUP_DEADLINE_MS } from "../../src/machines/rotate.js";

type Snap = { value: unknown; status: string; context: RunbookContext; hasTag(t: string): boolean };
type Node = {
  key: string;
  type: string;
  description?: string;
  meta?: Record<string, unknown>;
  tags: string[];
  states: Record<string, unknown>;
  invoke: Array<{ id: string }>;
  transitions: Map<string, Array<{ target?: Array<{ key: string }> }>>;
};

const input = {
  target: { subscriptionId: "sub", resourceGroup: "rg", registry: "acr1" },
  requester: "alice",
  dryRun: false,
};
const all = Object.values(RUNBOOKS);
const nodes = (r: RunbookWithSpec) =>
  Object.values((r.machine as unknown as { root: { states: Record<string, Node> } }).root.states);

function start(r: RunbookWithSpec): Snap {
  return initialTransition(r.machine as AnyStateMachine, input)[0] as unknown as Snap;
}
function next(r: RunbookWithSpec, s: Snap, event: Record<string, unknown>): Snap {
  return getNextSnapshot(r.machine as AnyStateMachine, s as never, event as never) as unknown as Snap;
}
const done = (id: string, output: Record<string, unknown>) => ({ type: `xstate.done.actor.${id}`, output });
const failure = (id: string, error: unknown) => ({ type: `xstate.error.actor.${id}`, error });

/** key-deleted at approve-recover-vault with a plan, the way check-vault leaves it. */
function atRecoverVaultApproval(): Snap {
  const r = RUNBOOKS["key-deleted"];
  return next(
    r,
    start(r),
    done("check-vault", { outcome: "vault-soft-deleted", evidence: ["gone"], plans: [plan("recover-vault")] }),
  );
}

describe.each(all.map((r) => [r.id, r] as const))("%s: shape rules", (_id, r) => {
  it("has flat states, each with a description and typed meta", () => {
    for (const node of nodes(r)) {
      expect(Object.keys(node.states), node.key).toEqual([]);
      expect(node.description, node.key).toBeTruthy();
      expect(node.meta?.title, node.key).toBeTruthy();
      expect(node.meta?.why, node.key).toBeTruthy();
      expect(["check", "change", "wait", "verify", "manual", "approval", "final"]).toContain(node.meta?.kind);
      expect(["none", "low", "medium", "high"]).toContain(node.meta?.risk);
    }
  });

  it("gives every invoke an onError, and accepts ABORT in every non-final state", () => {
    for (const node of nodes(r)) {
      for (const invoke of node.invoke)
        expect(node.transitions.has(`xstate.error.actor.${invoke.id}`), node.key).toBe(true);
      if (node.type !== "final") expect(node.transitions.get("ABORT")?.[0]?.target?.[0]?.key, node.key).toBe("aborted");
    }
  });

  it("enters every change only through its approval (or RETRY after a failure) and verifies it after", () => {
    const changes = nodes(r).filter((n) => n.meta?.kind === "change");
    expect(changes.length).toBeGreaterThan(0);
    for (const change of changes) {
      expect(change.tags).toEqual(expect.arrayContaining(["busy", "change"]));
      const into = nodes(r).flatMap((n) =>
        [...n.transitions.entries()].flatMap(([event, ts]) =>
          ts.filter((t) => t.target?.[0]?.key === change.key).map(() => `${n.key}:${event}`),
        ),
      );
      expect(into.sort()).toEqual([`approve-${change.key}:APPROVE`, "failed:RETRY"]);
      const after = change.transitions.get(`xstate.done.actor.${change.key}`)?.[0]?.target?.[0]?.key;
      expect(after).toBe(`verify-${change.key}`);
      expect(nodes(r).find((n) => n.key === after)?.meta?.kind).toBe("verify");
      expect(nodes(r).find((n) => n.key === `approve-${change.key}`)?.tags).toContain("approval");
    }
  });

  it("names an Azure CLI equivalent for every check, change and verify step", () => {
    for (const step of r.steps)
      if (["check", "change", "verify", "approval"].includes(step.kind)) expect(step.az, step.id).toMatch(/^az /);
  });

  it("stops a failed step resumably: RETRY goes back to it, ABORT ends the run", () => {
    const first = start(r);
    const firstStep = String(first.value);
    const failed = next(
      r,
      first,
      failure(firstStep, { kind: "throttled", message: "429 after retries", details: { requestId: "req-1" } }),
    );
    expect(failed.value).toBe("failed");
    expect(failed.status).toBe("active");
    expect(failed.context.lastError).toEqual({
      step: firstStep,
      cause: "throttled",
      message: "429 after retries",
      requestId: "req-1",
    });
    const retried = next(r, failed, { type: "RETRY", by: "bob" });
    expect(retried.value).toBe(firstStep);
    expect(retried.context.lastError).toBeUndefined();
    const aborted = next(r, failed, { type: "ABORT", by: "bob", reason: "enough" });
    expect(aborted.value).toBe("aborted");
    expect(aborted.status).toBe("done");
    expect(aborted.context.outcome?.summary).toBe("Aborted by bob: enough");
  });
});

describe("approval gate", () => {
  const r = RUNBOOKS["key-deleted"];

  it("shows the change exactly as planned", () => {
    const s = atRecoverVaultApproval();
    expect(s.value).toBe("approve-recover-vault");
    expect(s.hasTag("approval")).toBe(true);
    expect(s.context.pendingApproval).toEqual({
      stepId: "recover-vault",
      title: "do recover-vault",
      resource: "/subscriptions/sub/x",
      before: "before",
      after: "after",
      az: "az recover-vault",
      risk: "low",
      irreversible: false,
      fingerprint: "fp-1",
    });
  });

  it("ignores an APPROVE bound to another fingerprint", () => {
    const s = next(r, atRecoverVaultApproval(), { type: "APPROVE", by: "bob", fingerprint: "fp-OLD" });
    expect(s.value).toBe("approve-recover-vault");
    expect(s.context.approved).toEqual({});
  });

  it("on APPROVE records who approved, the before-state and the rollback, then runs the change", () => {
    const s = next(r, atRecoverVaultApproval(), { type: "APPROVE", by: "bob", fingerprint: "fp-1" });
    expect(s.value).toBe("recover-vault");
    expect(s.hasTag("change")).toBe(true);
    expect(s.context.pendingApproval).toBeUndefined();
    expect(s.context.approved["recover-vault"]).toMatchObject({ by: "bob", fingerprint: "fp-1" });
    expect(s.context.before["recover-vault"]).toEqual({ was: "this" });
    expect(s.context.rollback).toEqual(["az undo recover-vault"]);
  });

  it("on REJECT ends in rejected and says who and why", () => {
    const s = next(r, atRecoverVaultApproval(), { type: "REJECT", by: "bob", reason: "wrong vault" });
    expect(s.value).toBe("rejected");
    expect(s.status).toBe("done");
    expect(s.context.outcome?.summary).toBe('bob rejected "do recover-vault": wrong vault');
  });

  it("voids a stale approval: back to the check, its rollback withdrawn", () => {
    const changing = next(r, atRecoverVaultApproval(), { type: "APPROVE", by: "bob", fingerprint: "fp-1" });
    const s = next(
      r,
      changing,
      failure("recover-vault", { kind: "stale", message: "The Azure state changed; the approval is void." }),
    );
    expect(s.value).toBe("check-vault");
    expect(s.context.rollback).toEqual([]);
    expect(s.context.log[s.context.log.length - 1]).toMatchObject({ level: "warn" });
    expect(s.context.lastError).toBeUndefined();
  });

  it("goes on to verify after the change", () => {
    const changing = next(r, atRecoverVaultApproval(), { type: "APPROVE", by: "bob", fingerprint: "fp-1" });
    const s = next(r, changing, done("recover-vault", { outcome: "done", evidence: ["Vault kv recovered"] }));
    expect(s.value).toBe("verify-recover-vault");
    expect(s.context.evidence["recover-vault"]).toEqual(["Vault kv recovered", "Equivalent command: az recover-vault"]);
  });

  it("refuses to wait for an approval of a change nobody planned, and RETRY checks again", () => {
    const s = next(r, start(r), done("check-vault", { outcome: "vault-soft-deleted", evidence: [] }));
    expect(s.value).toBe("failed");
    expect(s.context.lastError).toMatchObject({ step: "check-vault", cause: "no-plan" });
    expect(next(r, s, { type: "RETRY", by: "bob" }).value).toBe("check-vault");
  });

  it("marks enabling purge protection as irreversible", () => {
    const step = r.steps.find((s) => s.id === "approve-enable-purge-protection");
    expect(step?.irreversible).toBe(true);
    expect(RUNBOOKS.revoke.steps.find((s) => s.id === "approve-revoke-access")?.risk).toBe("high");
  });
});

describe("routing on outcomes", () => {
  it("a purged vault ends in unrecoverable with the actor's words", () => {
    const r = RUNBOOKS["key-deleted"];
    const final = { summary: "cannot be decrypted", nextSteps: ["support"] };
    const s = next(r, start(r), done("check-vault", { outcome: "vault-purged", final }));
    expect(s.value).toBe("unrecoverable");
    expect(s.status).toBe("done");
    expect(s.context.outcome).toEqual(final);
  });

  it("an outcome the machine does not know stops resumably instead of guessing", () => {
    const r = RUNBOOKS["key-deleted"];
    const s = next(r, start(r), done("check-vault", { outcome: "something-new" }));
    expect(s.value).toBe("failed");
    expect(s.context.lastError?.cause).toBe("unexpected-outcome");
  });

  it("a failed verification stops with its message", () => {
    const r = RUNBOOKS.restore;
    const s = next(r, start(r), done("check-access", { outcome: "access-ok", evidence: [] }));
    const t = next(
      r,
      next(r, s, done("check-key-state", { outcome: "usable" })),
      done("verify-registry", { outcome: "unreadable", message: "still 403" }),
    );
    expect(t.value).toBe("failed");
    expect(t.context.lastError).toEqual({ step: "verify-registry", cause: "unreadable", message: "still 403" });
  });
});

describe("input states", () => {
  const r = RUNBOOKS.revoke;
  const atChoice = () => {
    let s = start(r);
    s = next(r, s, done("state-impact", { outcome: "stated", plans: [plan("backup-key")] }));
    s = next(r, s, { type: "APPROVE", by: "bob", fingerprint: "fp-1" });
    s = next(r, s, done("backup-key", { outcome: "done" }));
    s = next(r, s, done("verify-backup-key", { outcome: "ok" }));
    return next(
      r,
      s,
      done("record-access", {
        outcome: "recorded",
        candidates: { "disable-key": plan("revoke-access", { risk: "high", fingerprint: "fp-key" }) },
        input: { stepId: "choose-method", prompt: "How?", options: [{ id: "disable-key", label: "Disable" }] },
      }),
    );
  };

  it("offers only the options the check found, and ignores any other value", () => {
    const s = atChoice();
    expect(s.value).toBe("choose-method");
    expect(s.context.pendingInput?.options.map((o) => o.id)).toEqual(["disable-key"]);
    expect(next(r, s, { type: "INPUT", by: "bob", value: "access-policy" }).value).toBe("choose-method");
  });

  it("turns the choice into the plan the approver sees", () => {
    const s = next(r, atChoice(), { type: "INPUT", by: "bob", value: "disable-key" });
    expect(s.value).toBe("approve-revoke-access");
    expect(s.context.choices["choose-method"]).toBe("disable-key");
    expect(s.context.pendingApproval).toMatchObject({ risk: "high", fingerprint: "fp-key", irreversible: false });
  });

  it("key-deleted offers purge protection with 'later' as what an unattended run picks", () => {
    const r2 = RUNBOOKS["key-deleted"];
    const step = r2.spec.steps.find((s) => s.id === "offer-purge-protection");
    expect(step?.type === "input" && step.defaultOption).toBe("later");
  });
});

describe("rotation wait", () => {
  const r = RUNBOOKS.rotate;
  const atWait = () => {
    let s = start(r);
    s = next(
      r,
      s,
      done("check-rotation-mode", {
        outcome: "automatic",
        plans: [plan("create-key-version")],
        facts: { rotationMode: "automatic" },
      }),
    );
    s = next(r, s, { type: "APPROVE", by: "bob", fingerprint: "fp-1" });
    s = next(r, s, done("create-key-version", { outcome: "done", facts: { newKeyVersion: "v2" } }));
    s = next(r, s, done("verify-create-key-version", { outcome: "automatic" }));
    return next(r, s, done("check-pickup", { outcome: "not-yet" }));
  };

  it("stores an absolute deadline one hour out (the engine re-arms it; no after-timers)", () => {
    const before = Date.now();
    const s = atWait();
    expect(s.value).toBe("wait-pickup");
    expect(s.hasTag("wait")).toBe(true);
    const deadline = Date.parse(String(s.context.deadline));
    expect(deadline).toBeGreaterThanOrEqual(before + ROTATION_PICKUP_DEADLINE_MS);
    expect(deadline).toBeLessThanOrEqual(Date.now() + ROTATION_PICKUP_DEADLINE_MS);
  });

  it("keeps the first deadline across polls", () => {
    const s = atWait();
    const again = next(r, next(r, s, { type: "POLL" }), done("check-pickup", { outcome: "not-yet" }));
    expect(again.context.deadline).toBe(s.context.deadline);
  });

  it("escalates with a clear message at the deadline", () => {
    const s = next(r, atWait(), { type: "DEADLINE" });
    expect(s.value).toBe("escalated");
    expect(s.context.outcome?.summary).toMatch(/did not pick up the new key version within the hour/);
    expect(s.context.outcome?.nextSteps.join("\n")).toMatch(/support request/);
    expect(s.context.outcome?.nextSteps.join("\n")).toContain("acr-cmk diagnose -g rg -r acr1");
    expect(s.context.deadline).toBeUndefined();
  });

  it("clears the deadline once the registry picked the version up", () => {
    const s = next(
      r,
      next(r, atWait(), { type: "POLL" }),
      done("check-pickup", { outcome: "picked-up", plans: [plan("backup-key")] }),
    );
    expect(s.value).toBe("approve-backup-key");
    expect(s.context.deadline).toBeUndefined();
  });

  it("lets the approver switch a manual rotation to the versionless key id", () => {
    let s = start(r);
    s = next(r, s, done("check-rotation-mode", { outcome: "manual", plans: [plan("create-key-version")] }));
    s = next(r, s, { type: "APPROVE", by: "bob", fingerprint: "fp-1" });
    s = next(r, s, done("create-key-version", { outcome: "done" }));
    s = next(
      r,
      s,
      done("verify-create-key-version", {
        outcome: "manual",
        plans: [plan("rotate-key", { after: "versioned" })],
        candidates: { "rotate-versionless": plan("rotate-key", { after: "versionless", fingerprint: "fp-2" }) },
      }),
    );
    expect(s.context.pendingApproval?.after).toBe("versioned");
    const switched = next(r, s, { type: "INPUT", by: "bob", value: "switch-to-automatic" });
    expect(switched.value).toBe("approve-rotate-key");
    expect(switched.context.pendingApproval).toMatchObject({ after: "versionless", fingerprint: "fp-2" });
  });
});
