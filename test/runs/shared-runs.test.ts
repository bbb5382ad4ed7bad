// Two processes on one ACR_CMK_HOME (the Slack app and `acr-cmk runs abort`, or two apps): a run that waits for a
// person may be moved by either; the one that drove it before lets go and never acts on its stale copy.
import { describe, expect, it, vi } from "vitest";
import type { RunRecordStore } from "../../src/runs/store.js";
import type { RunEngine, RunTarget, RunView } from "../../src/runs/types.js";
import { journalOf } from "../../src/runs/run-journal.js";
import { openSqliteBackend } from "../../src/runs/sqlite-store.js";
import { fakeVault } from "../fixtures/toy-runbook.js";
import { useToyEngines } from "./fixtures/toy-engines.js";

const target: RunTarget = { subscriptionId: "sub-1", resourceGroup: "rg-acr", registry: "acrprod" };

const toy = useToyEngines("acr-cmk-shared-");
const engineFor = toy.engineFor;

async function waitingRun(engine: RunEngine): Promise<RunView> {
  const view = await engine.start({ runbook: "key-deleted", target, requester: "alice", driver: "slack" });
  return engine.settled(view.id);
}

describe("a run moved by another process", () => {
  it("can be aborted while another engine holds it waiting for approval; that engine then refuses to approve it", async () => {
    const vault = fakeVault();
    const slack = engineFor(vault);
    const run = await waitingRun(slack);
    const seen: RunView[] = [];
    slack.subscribe(run.id, (view) => seen.push(view));

    const cli = engineFor(vault);
    await cli.resume(run.id, "oncall");
    expect((await cli.abort(run.id, "oncall", "handled by hand")).status).toBe("aborted");

    const revision = (await slack.revisions([run.id])).get(run.id);
    expect(revision?.status).toBe("aborted");
    expect(revision?.updatedAt).not.toBe(run.updatedAt);
    // The stale copy is let go of when it is next looked at; its subscribers learn what happened.
    expect((await slack.reload(run.id))?.status).toBe("aborted");
    expect(seen.map((view) => view.status)).toEqual(["aborted"]);
    await expect(slack.approve(run.id, "bob", { fingerprint: "fp-deleted" })).rejects.toMatchObject({
      reason: "final",
    });
    expect(vault.writes).toEqual([]);
    const actions = (await slack.auditTrail(run.id)).map((entry) => entry.action);
    expect(actions).toContain("lock-handover");
    expect(actions.filter((action) => action === "approve")).toEqual([]);
    expect((await slack.verifyAudit()).ok).toBe(true);
  });

  it("an approval given through another engine runs the change there, once, and a click on the old copy is not a second run", async () => {
    const vault = fakeVault();
    const slack = engineFor(vault);
    const run = await waitingRun(slack);
    const other = engineFor(vault);
    await other.approve(run.id, "bob", { fingerprint: "fp-deleted" });
    expect((await other.settled(run.id)).status).toBe("awaiting-input");
    expect(vault.writes).toEqual(["recoverDeletedKey"]);

    // The first engine still has its copy waiting for approval; acting on it picks the run up as stored instead.
    await expect(slack.approve(run.id, "bob", { fingerprint: "fp-deleted" })).resolves.toMatchObject({
      status: "awaiting-input",
    });
    await slack.input(run.id, "alice", "skip");
    expect((await slack.settled(run.id)).status).toBe("succeeded");
    expect(vault.writes).toEqual(["recoverDeletedKey"]);
    expect((await slack.auditTrail(run.id)).filter((entry) => entry.action === "lock-handover")).toHaveLength(2);
  });

  it("an approval recorded by an engine that lost the run before acting stands in the engine that took it over", async () => {
    const vault = fakeVault();
    const first = engineFor(vault);
    const run = await waitingRun(first);
    // As the first engine does before it acts: the approval is in the audit trail; then it lets go of the run.
    const backend = openSqliteBackend(toy.home);
    await journalOf(backend.audit, { now: () => new Date() })(
      { runId: run.id, actor: "bob", action: "approve", outcome: "approved" },
      { step: run.approval!.stepId, fingerprint: run.approval!.fingerprint },
    );
    backend.close();
    await first.close();

    const second = engineFor(vault);
    await second.approve(run.id, "carol", { fingerprint: run.approval!.fingerprint });
    expect((await second.settled(run.id)).status).toBe("awaiting-input");
    expect(vault.writes).toEqual(["recoverDeletedKey"]);
    const trail = await second.auditTrail(run.id);
    // One approval of the request, bob's: carol's click released it, and the change is his.
    expect(trail.filter((e) => e.action === "approve").map((e) => e.actor)).toEqual(["bob"]);
    expect(trail.find((e) => e.action === "change-start")?.actor).toBe("bob");
  });

  it("a sweep for abandoned runs does not take a run from a live engine that waits for a person", async () => {
    const vault = fakeVault();
    const first = engineFor(vault);
    const run = await waitingRun(first);
    const other = engineFor(vault);
    await expect(other.resume(run.id, "acr-cmk", { abandonedOnly: true })).rejects.toMatchObject({ reason: "locked" });
    const actions = (await first.auditTrail(run.id)).map((entry) => entry.action);
    expect(actions).not.toContain("lock-handover");
    expect(actions).not.toContain("run-resume");
    // The engine that asked still drives it.
    await first.approve(run.id, "bob", { fingerprint: "fp-deleted" });
    expect((await first.settled(run.id)).status).toBe("awaiting-input");
    expect(vault.writes).toEqual(["recoverDeletedKey"]);
  });

  it("a run picked up from a copy read before its holder moved it on goes on from where it stands now", async () => {
    const vault = fakeVault();
    const first = engineFor(vault);
    const run = await waitingRun(first);
    const other = engineFor(vault);
    const store = (other as unknown as { store: RunRecordStore }).store;
    // What `other` read just before `first` moved the run on: still waiting for the approval.
    const stale = (await store.get(run.id))!;
    await first.approve(run.id, "bob", { fingerprint: "fp-deleted" });
    expect((await first.settled(run.id)).status).toBe("awaiting-input");
    vi.spyOn(store, "get").mockResolvedValueOnce(stale);

    const picked = await other.resume(run.id, "oncall");
    expect(picked.status).toBe("awaiting-input");
    expect((await store.get(run.id))!.status).toBe("awaiting-input");
    const requests = (await other.auditTrail(run.id)).filter((entry) => entry.action === "approval-requested");
    expect(requests).toHaveLength(1);
    await other.input(run.id, "alice", "skip");
    expect((await other.settled(run.id)).status).toBe("succeeded");
    expect(vault.writes).toEqual(["recoverDeletedKey"]);
  });

  it("a run that is busy with a change is not taken over", async () => {
    let release!: () => void;
    const vault = fakeVault({ gate: new Promise<void>((resolve) => (release = resolve)) });
    const first = engineFor(vault);
    const run = await waitingRun(first);
    await first.approve(run.id, "bob");
    while (vault.recoverCalls === 0) await new Promise((resolve) => setTimeout(resolve, 1));

    const other = engineFor(vault);
    await expect(other.abort(run.id, "oncall", "too slow")).rejects.toMatchObject({ reason: "locked" });
    release();
    expect((await first.settled(run.id)).status).toBe("awaiting-input");
    expect(vault.writes).toEqual(["recoverDeletedKey"]);
  });

  it("revisions name only the runs asked for and change when the view does", async () => {
    const engine = engineFor(fakeVault());
    const run = await waitingRun(engine);
    expect([...(await engine.revisions([run.id, "no-such-run"])).keys()]).toEqual([run.id]);
    expect((await engine.revisions([run.id])).get(run.id)).toEqual({
      updatedAt: run.updatedAt,
      status: "awaiting-approval",
    });
    expect(await engine.reload(run.id)).toEqual(run);
  });
});
