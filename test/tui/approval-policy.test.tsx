// Who approves at a terminal, with the real RunEngine deciding (toy runbook, fake Azure): keystrokes in, frames out.
// On a TTY with no ACR_CMK_APPROVERS the requester approves their own change with a key; with approvers named and the
// requester not among them, the engine refuses and the screen says who may approve and how to hand the run over.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanup, render } from "ink-testing-library";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRunEngine } from "../../src/runs/engine.js";
import type { RunEngine } from "../../src/runs/types.js";
import { AppShell } from "../../src/tui/components/AppShell.js";
import * as screens from "../../src/tui/screens/index.js";
import { fakeAzure, fakeVault, toyRunbook } from "../fixtures/toy-runbook.js";
import { FakeEngine, KEYS, type, waitForFrame } from "./fakes.js";
import { mountTui } from "./harness.js";

const target = { subscriptionId: "sub-1", resourceGroup: "rg-acr", registry: "acrprod" };
let home: string;
let engine: RunEngine | undefined;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "acr-cmk-tui-policy-"));
});
afterEach(async () => {
  cleanup();
  await engine?.close();
  engine = undefined;
  rmSync(home, { recursive: true, force: true });
});

/** The engine as `acr-cmk` builds it: ACR_CMK_APPROVERS goes to the engine, which alone decides. */
function openEngine(approvers: string[]): RunEngine {
  const vault = fakeVault();
  engine = createRunEngine({
    home,
    azure: fakeAzure(vault),
    runbooks: { "key-deleted": toyRunbook(vault) },
    approvers,
    pollIntervalMs: 5,
  });
  return engine;
}

/** alice starts a run from the TUI, with the self-approval the terminal's policy gives her. */
async function aliceStarts(e: RunEngine, selfApprove: boolean): Promise<string> {
  const { id } = await e.start({ runbook: "key-deleted", target, requester: "alice", driver: "tui", selfApprove });
  const view = await e.settled(id);
  expect(view.status).toBe("awaiting-approval");
  return id;
}

/** The run screen as the TUI shows it to `person`, with the session tui.ts builds from ACR_CMK_APPROVERS. */
function openRunAs(e: RunEngine, runId: string, person: string, approvers: string[]) {
  return render(
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
  );
}

async function until(lastFrame: () => string | undefined, check: (frame: string) => boolean): Promise<string> {
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    const frame = lastFrame() ?? "";
    if (check(frame)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return frame;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no frame matched; last frame:\n${lastFrame()}`);
}

const press = async (stdin: { write: (data: string) => void }, key: string) => {
  stdin.write(key);
  await new Promise((resolve) => setTimeout(resolve, 30));
};

async function approvals(e: RunEngine, runId: string) {
  return (await e.auditTrail(runId))
    .filter((entry) => entry.action === "approve")
    .map((entry) => ({ actor: entry.actor, outcome: entry.outcome }));
}

describe("approvals at a terminal", () => {
  it("with no approvers named, the requester approves their own change with a keystroke", async () => {
    const e = openEngine([]);
    const id = await aliceStarts(e, true);
    const { lastFrame, stdin } = openRunAs(e, id, "alice", []);
    await until(lastFrame, (f) => f.includes("Press a to approve as alice"));
    await press(stdin, "a");
    await until(lastFrame, (f) => f.includes("Wait for the registry to pick the key up?"));
    expect(await approvals(e, id)).toEqual([{ actor: "alice", outcome: "approved" }]);
  });

  it("with approvers named and the requester not among them, the engine's refusal shows who may approve and how to hand over", async () => {
    const e = openEngine(["bob", "carol"]);
    const id = await aliceStarts(e, false);
    const alice = openRunAs(e, id, "alice", ["bob", "carol"]);
    const before = await until(alice.lastFrame, (f) => f.includes("Who may approve"));
    expect(before).toContain("alice asked for this change and may not approve it here.");
    expect(before).not.toContain("a approve");

    await press(alice.stdin, "a");
    const refused = await until(alice.lastFrame, (f) => f.includes("cannot approve its own change"));
    expect(refused).toContain("✖ alice started this run and cannot approve its own change");
    expect(refused).toContain("Who may approve: bob, carol (ACR_CMK_APPROVERS).");
    expect(refused).toContain(`$ acr-cmk runs resume ${id}`);
    // Pressing a again does not ask the engine again: no loop of refusals.
    await press(alice.stdin, "a");
    await until(alice.lastFrame, (f) => f.includes("Not yours to approve"));
    expect(await approvals(e, id)).toEqual([{ actor: "alice", outcome: "refused: self-approval" }]);
    expect((await e.get(id))?.status).toBe("awaiting-approval");
    alice.unmount();

    // Handed over: bob, an approver, picks the run up and approves it with a key.
    const bob = openRunAs(e, id, "bob", ["bob", "carol"]);
    await until(bob.lastFrame, (f) => f.includes("Press a to approve as bob"));
    await press(bob.stdin, "a");
    await until(bob.lastFrame, (f) => f.includes("Wait for the registry to pick the key up?"));
    expect((await approvals(e, id)).at(-1)).toEqual({ actor: "bob", outcome: "approved" });
  });

  it("an approver resuming someone else's run leaves that run's self-approval as it was", async () => {
    const fake = new FakeEngine({ risk: "low" });
    fake.seed({ id: "run-7", status: "awaiting-approval" });
    const m = mountTui({ requester: "bob", approvers: ["bob"], selfApprove: true, engine: fake });
    try {
      await waitForFrame(m.stdout, (f) => f.includes("Which registry?"));
      await type(m.stdin, "R");
      await waitForFrame(m.stdout, (f) => f.includes("Choose a run"));
      await type(m.stdin, KEYS.enter);
      await waitForFrame(m.stdout, (f) => f.includes("Audit trail"));
      await type(m.stdin, KEYS.enter);
      await waitForFrame(m.stdout, (f) => f.includes("Press a to approve as bob"));
      // alice's run: bob's own policy says nothing about whether alice may approve her own changes.
      expect(fake.callsTo("resume")).toEqual([["run-7", "bob", {}]]);
      await type(m.stdin, "a");
      await waitForFrame(m.stdout, () => fake.callsTo("approve").length === 1);
      expect(fake.callsTo("approve")[0]?.[1]).toBe("bob");
    } finally {
      m.stdin.write(KEYS.ctrlC);
      await m.result;
    }
  });

  it("a requester who may not approve is not asked to type the registry name for a high-risk change first", async () => {
    const fake = new FakeEngine({ risk: "high", refuseApproval: "self-approval" });
    const m = mountTui({
      target: { resourceGroup: "rg-prod", registry: "contosoprod" },
      engine: fake,
      selfApprove: false,
      approvers: ["bob"],
    });
    try {
      await waitForFrame(m.stdout, (f) => f.includes("Start recovery"));
      await type(m.stdin, KEYS.enter);
      await waitForFrame(m.stdout, (f) => f.includes("Who may approve: bob"));
      await type(m.stdin, "a");
      await waitForFrame(m.stdout, (f) => f.includes("✖ you may not approve your own change here"));
      expect(m.stdout.allText()).not.toContain("Type the registry name");
      expect(fake.callsTo("approve")).toEqual([["run-1", "alice", { fingerprint: "fp-1", confirmation: undefined }]]);
    } finally {
      m.stdin.write(KEYS.ctrlC);
      await m.result;
    }
  });
});
