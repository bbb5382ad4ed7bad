// Who approves at a terminal, with the real RunEngine deciding (toy runbook, fake Azure): keystrokes in, frames out.
// On a TTY with no ACR_CMK_APPROVERS the requester approves their own change with a key; with approvers named and the
// requester not among them, the engine refuses and the screen says who may approve and how to hand the run over.
import { describe, expect, it } from "vitest";
import type { RunEngine } from "../../src/runs/types.js";
import { AppShell } from "../../src/tui/components/AppShell.js";
import * as screens from "../../src/tui/screens/index.js";
import { fakeVault } from "../fixtures/toy-runbook.js";
import { until } from "../fixtures/until.js";
import { useToyEngines } from "../runs/fixtures/toy-engines.js";
import { FakeEngine, KEYS } from "./fakes.js";
import { mountElement, mountTui, type, waitForFrame } from "./harness.js";

const target = { subscriptionId: "sub-1", resourceGroup: "rg-acr", registry: "acrprod" };
const toy = useToyEngines("acr-cmk-tui-policy-");

/** The engine as `acr-cmk` builds it: ACR_CMK_APPROVERS goes to the engine, which alone decides. */
function openEngine(approvers: string[]): RunEngine {
  return toy.engineFor(fakeVault(), { approvers });
}

/** alice starts a run from the TUI, with the self-approval the terminal's policy gives her. */
async function aliceStarts(e: RunEngine, selfApprove: boolean): Promise<string> {
  const { id } = await e.start({ runbook: "key-deleted", target, requester: "alice", driver: "tui", selfApprove });
  const view = await e.settled(id);
  expect(view.status).toBe("awaiting-approval");
  return id;
}

/** The run screen (100 columns wide) as the TUI shows it to `person`, with the session tui.ts builds from ACR_CMK_APPROVERS. */
function openRunAs(e: RunEngine, runId: string, person: string, approvers: string[]) {
  return mountElement(
    <AppShell
      session={{
        requester: person,
        sandbox: false,
        selfApprove: approvers.length === 0 || approvers.includes(person),
        approvers,
        invocation: "acr-cmk",
      }}
      connection={{
        engine: e,
        diagnose: async () => ({ healthy: false, findings: [] }),
        listRegistries: async () => [],
        subscriptionId: "sub-1",
      }}
      screens={screens}
      initial={{ name: "run", runId }}
      canGoHome={false}
      color={false}
      onExit={() => {}}
    />,
    100,
  );
}

async function approvals(e: RunEngine, runId: string) {
  return (await e.auditTrail(runId))
    .filter((entry) => entry.action === "approve")
    .map((entry) => ({ actor: entry.actor, outcome: entry.outcome }));
}

describe("approvals at a terminal", () => {
  it("with no approvers named, the requester approves their own change with a keystroke", async () => {
    const e = openEngine([]);
    const id = await aliceStarts(e, true);
    const alice = openRunAs(e, id, "alice", []);
    await waitForFrame(alice.stdout, (f) => f.includes("Press a to approve as alice"));
    await type(alice, "a");
    await waitForFrame(alice.stdout, (f) => f.includes("Wait for the registry to pick the key up?"));
    expect(await approvals(e, id)).toEqual([{ actor: "alice", outcome: "approved" }]);
  });

  it("with approvers named and the requester not among them, the engine's refusal shows who may approve and how to hand over", async () => {
    const e = openEngine(["bob", "carol"]);
    const id = await aliceStarts(e, false);
    const alice = openRunAs(e, id, "alice", ["bob", "carol"]);
    const before = await waitForFrame(alice.stdout, (f) => f.includes("Who may approve"));
    expect(before).toContain("alice asked for this change and may not approve it here.");
    expect(before).not.toContain("a approve");

    await type(alice, "a");
    const refused = await waitForFrame(alice.stdout, (f) => f.includes("cannot approve its own change"));
    expect(refused).toContain("✖ alice started this run and cannot approve its own change");
    expect(refused).toContain("Who may approve: bob, carol (ACR_CMK_APPROVERS).");
    expect(refused).toContain(`$ acr-cmk runs resume ${id}`);
    // Pressing a again does not ask the engine again: no loop of refusals.
    await type(alice, "a");
    await waitForFrame(alice.stdout, (f) => f.includes("Not yours to approve"));
    expect(await approvals(e, id)).toEqual([{ actor: "alice", outcome: "refused: self-approval" }]);
    expect((await e.get(id))?.status).toBe("awaiting-approval");
    alice.unmount();

    // Handed over: bob, an approver, picks the run up and approves it with a key.
    const bob = openRunAs(e, id, "bob", ["bob", "carol"]);
    await waitForFrame(bob.stdout, (f) => f.includes("Press a to approve as bob"));
    await type(bob, "a");
    await waitForFrame(bob.stdout, (f) => f.includes("Wait for the registry to pick the key up?"));
    expect((await approvals(e, id)).at(-1)).toEqual({ actor: "bob", outcome: "approved" });
  });

  it("an approver resuming someone else's run leaves that run's self-approval as it was", async () => {
    const fake = new FakeEngine({ risk: "low" });
    fake.seed({ id: "run-7", status: "awaiting-approval" });
    const m = mountTui({ requester: "bob", approvers: ["bob"], selfApprove: true, engine: fake });
    await waitForFrame(m.stdout, (f) => f.includes("Which registry?"));
    await type(m, "R");
    await waitForFrame(m.stdout, (f) => f.includes("Choose a run"));
    await type(m, KEYS.enter);
    await waitForFrame(m.stdout, (f) => f.includes("Audit trail"));
    await type(m, KEYS.enter);
    await waitForFrame(m.stdout, (f) => f.includes("Press a to approve as bob"));
    // alice's run: bob's own policy says nothing about whether alice may approve her own changes.
    expect(fake.callsTo("resume")).toEqual([["run-7", "bob", {}]]);
    await type(m, "a");
    await until("the approval", () => fake.callsTo("approve").length === 1);
    expect(fake.callsTo("approve")[0]?.[1]).toBe("bob");
  });

  it("a requester who may not approve is not asked to type the registry name for a high-risk change first", async () => {
    const fake = new FakeEngine({ risk: "high", refuseApproval: "self-approval" });
    const m = mountTui({
      target: { resourceGroup: "rg-prod", registry: "contosoprod" },
      engine: fake,
      selfApprove: false,
      approvers: ["bob"],
    });
    await waitForFrame(m.stdout, (f) => f.includes("Start recovery"));
    await type(m, KEYS.enter);
    await waitForFrame(m.stdout, (f) => f.includes("Who may approve: bob"));
    await type(m, "a");
    await waitForFrame(m.stdout, (f) => f.includes("✖ you may not approve your own change here"));
    expect(m.stdout.allText()).not.toContain("Type the registry name");
    expect(fake.callsTo("approve")).toEqual([["run-1", "alice", { fingerprint: "fp-1", confirmation: undefined }]]);
  });
});
