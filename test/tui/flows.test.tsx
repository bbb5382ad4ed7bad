// Whole-TUI flows against a fake RunEngine: keystrokes in, frames out, at 80×24.
import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import { RunRefused } from "../../src/runs/types.js";
import type { Finding } from "../../src/diagnosis/types.js";
import { until } from "../fixtures/until.js";
import { diagnosisOf, FakeEngine, KEYS } from "./fakes.js";
import { mountTui, type, waitForFrame, widestLine, type Mounted } from "./harness.js";

const target = { resourceGroup: "rg-prod", registry: "contosoprod" };

async function openRecommendedRun(m: Mounted): Promise<void> {
  await waitForFrame(m.stdout, (f) => f.includes("Start recovery: key-deleted"));
  await type(m, KEYS.enter);
  await waitForFrame(m.stdout, (f) => f.includes("Approve this change?"));
}

describe("home", () => {
  it("diagnoses the registry from the flags and lists findings most severe first, with evidence", async () => {
    const mounted = mountTui({ target });
    const frame = await waitForFrame(mounted.stdout, (f) => f.includes("Start recovery: key-deleted"));
    expect(mounted.diagnosed).toEqual([target]);
    expect(frame).toContain("SANDBOX");
    expect(frame).toContain("✖ Not healthy: rg-prod/contosoprod · 2 findings");
    expect(frame.indexOf("CRITICAL")).toBeLessThan(frame.indexOf("WARNING"));
    expect(frame).toContain("evidence: keyId=https://kv-contoso.vault.azure.net/keys/acr-key");
    // The plain report's Impact line: a critical finding, but the data plane still reads.
    expect(frame).toContain("Impact: degraded — content still reads for now");
  });

  it("formats evidence as the plain report does (field paths, not raw JSON) and says when pulls fail", async () => {
    const findings: Finding[] = [
      {
        id: "REGISTRY_DATA_UNREADABLE",
        severity: "critical",
        title: "The registry cannot read its content",
        detail: "Pulls fail.",
        evidence: { error: { kind: "denied", statusCode: 403, code: "DENIED" } },
        runbook: null,
      },
    ];
    const mounted = mountTui({ target, report: diagnosisOf(findings) });
    const frame = await waitForFrame(mounted.stdout, (f) => f.includes("REGISTRY_DATA_UNREADABLE"));
    expect(frame).toContain("evidence: error.kind=denied; error.statusCode=403; error.code=DENIED");
    expect(frame).not.toContain('{"kind"');
    expect(frame).toContain("Impact: UNHEALTHY — the registry cannot read its content: pulls and pushes fail.");
  });

  it("lets the person pick a registry with j and Enter when no flags name one", async () => {
    const mounted = mountTui();
    await waitForFrame(mounted.stdout, (f) => f.includes("Which registry?"));
    await type(mounted, "j", KEYS.enter);
    await waitForFrame(mounted.stdout, (f) => f.includes("Start recovery"));
    expect(mounted.diagnosed).toEqual([{ resourceGroup: "rg-dev", registry: "contosodev" }]);
  });

  it("says what failed when the diagnosis fails, and tries again on Enter", async () => {
    const mounted = mountTui({ target, report: new Error("Azure answered 503 after retries") });
    await waitForFrame(mounted.stdout, (f) => f.includes("Diagnosis failed: Azure answered 503 after retries"));
    await type(mounted, KEYS.enter);
    await until("a second diagnosis", () => mounted.diagnosed.length === 2);
  });

  it("starts another runbook chosen from the list", async () => {
    const mounted = mountTui({ target });
    await waitForFrame(mounted.stdout, (f) => f.includes("Start another runbook"));
    await type(mounted, "j", KEYS.enter);
    await waitForFrame(mounted.stdout, (f) => f.includes("Which runbook"));
    await type(mounted, "j", "j", KEYS.enter); // key-deleted, identity-removed, firewall-403
    await waitForFrame(mounted.stdout, (f) => f.includes("Approve this change?"));
    expect(mounted.engine.callsTo("start")[0]?.[0]).toMatchObject({
      runbook: "firewall-403",
      driver: "tui",
      requester: "alice",
    });
  });
});

describe("run screen", () => {
  it("recovers with a typed registry name for a high-risk change and shows the outcome", async () => {
    const mounted = mountTui({ target });
    await openRecommendedRun(mounted);
    const approval = mounted.stdout.lastFrame();
    expect(approval).toContain("https://kv-contoso.vault.azure.net/keys/acr-key");
    expect(approval).toContain("deleted (recoverable until 2026-02-01)");
    expect(approval).toContain("active, all versions restored");
    expect(approval).toContain("$ az keyvault key recover --vault-name kv-contoso --name acr-key");
    expect(approval).toMatch(/risk\s+high/);

    await type(mounted, "a");
    await waitForFrame(mounted.stdout, (f) => f.includes("Type the registry name contosoprod"));
    await type(mounted, "contosodev", KEYS.enter);
    await waitForFrame(mounted.stdout, (f) => f.includes('"contosodev" is not the registry name'));
    expect(mounted.engine.callsTo("approve")).toHaveLength(0);

    // Esc leaves the field (and is read only after Ink's escape timeout); a opens it again.
    await type(mounted, KEYS.escape);
    await waitForFrame(mounted.stdout, (f) => f.includes("a approve"));
    await type(mounted, "a", "contosoprod", KEYS.enter);
    await waitForFrame(mounted.stdout, (f) => f.includes("Run recovered"));
    expect(mounted.engine.callsTo("approve")).toEqual([
      ["run-1", "alice", { fingerprint: "fp-1", confirmation: "contosoprod" }],
    ]);
    expect(widestLine(mounted.stdout)).toBeLessThanOrEqual(80);

    await type(mounted, "q");
    const result = await mounted.result;
    expect(result).toMatchObject({ reason: "quit", runId: "run-1" });
    expect(mounted.stdout.allText()).toContain("Run run-1 (key-deleted, rg-prod/contosoprod): recovered.");
  });

  it("after a run, Enter goes home to a fresh diagnosis of the same registry (the next fix, if any)", async () => {
    const mounted = mountTui();
    await waitForFrame(mounted.stdout, (f) => f.includes("❯ rg-prod/contosoprod"));
    await type(mounted, KEYS.enter);
    await until("the diagnosis", () => mounted.diagnosed.length === 1);
    await openRecommendedRun(mounted);
    await type(mounted, "a");
    await waitForFrame(mounted.stdout, (f) => f.includes("Type the registry name contosoprod"));
    await type(mounted, "contosoprod", KEYS.enter);
    await waitForFrame(mounted.stdout, (f) => f.includes("Run recovered"));
    await type(mounted, KEYS.enter);
    await until("a second diagnosis", () => mounted.diagnosed.length === 2);
    expect(mounted.diagnosed[1]).toMatchObject({ resourceGroup: "rg-prod", registry: "contosoprod" });
    await waitForFrame(mounted.stdout, (f) => f.includes("Start recovery"));
  });

  it("shows a spinner with elapsed time while the change is in flight", async () => {
    const engine = new FakeEngine({ risk: "low" });
    engine.holdChange = true;
    const mounted = mountTui({ target, engine });
    await openRecommendedRun(mounted);
    await type(mounted, "a");
    const frame = await waitForFrame(mounted.stdout, (f) => f.includes("Calling Azure: Recover the deleted key"));
    expect(frame).toMatch(/Calling Azure: Recover the deleted key · \d+s/);
    engine.finishChange();
    await waitForFrame(mounted.stdout, (f) => f.includes("Run recovered"));
  });

  it("approves a low-risk change with a single a", async () => {
    const mounted = mountTui({ target, engine: new FakeEngine({ risk: "low" }) });
    await openRecommendedRun(mounted);
    expect(mounted.stdout.lastFrame()).not.toContain("then type the registry name");
    await type(mounted, "a");
    await waitForFrame(mounted.stdout, (f) => f.includes("Run recovered"));
    expect(mounted.engine.callsTo("approve")).toEqual([
      ["run-1", "alice", { fingerprint: "fp-1", confirmation: undefined }],
    ]);
  });

  it("asks for a reason before rejecting, and will not send an empty one", async () => {
    const mounted = mountTui({ target });
    await openRecommendedRun(mounted);
    await type(mounted, "r");
    await waitForFrame(mounted.stdout, (f) => f.includes("Why do you reject this change?"));
    await type(mounted, KEYS.enter);
    await waitForFrame(mounted.stdout, (f) => f.includes("A reason is needed"));
    expect(mounted.engine.callsTo("reject")).toHaveLength(0);
    // q while typing is part of the reason, not "leave".
    await type(mounted, "quota freeze", KEYS.enter);
    await waitForFrame(mounted.stdout, (f) => f.includes("Run rejected"));
    expect(mounted.engine.callsTo("reject")).toEqual([["run-1", "alice", "quota freeze"]]);
  });

  it("aborts with a reason on x", async () => {
    const mounted = mountTui({ target });
    await openRecommendedRun(mounted);
    await type(mounted, "x");
    await waitForFrame(mounted.stdout, (f) => f.includes("Why do you abort this run?"));
    await type(mounted, "wrong registry", KEYS.enter);
    await waitForFrame(mounted.stdout, (f) => f.includes("Run aborted"));
    expect(mounted.engine.callsTo("abort")).toEqual([["run-1", "alice", "wrong registry"]]);
  });

  it("shows the engine's refusal instead of crashing", async () => {
    const mounted = mountTui({ target, engine: new FakeEngine({ risk: "low", refuseApproval: "self-approval" }) });
    await openRecommendedRun(mounted);
    await type(mounted, "a");
    // The refusal and the hand-over hint may land in consecutive frames: wait for the screen they make together.
    const frame = await waitForFrame(
      mounted.stdout,
      (f) => f.includes("✖ you may not approve your own change here") && f.includes("runs resume"),
    );
    // The change stays on screen, now with how to hand it over instead of a key that would only be refused again.
    expect(frame).toContain("Recover the deleted key acr-key");
    expect(frame).toContain("acr-cmk runs resume run-1");
    expect(frame).not.toContain("a approve");
  });

  it("leaves on q with the run resumable and prints the resume command", async () => {
    const mounted = mountTui({ target });
    await openRecommendedRun(mounted);
    await type(mounted, "q");
    const result = await mounted.result;
    expect(result.runId).toBe("run-1");
    expect(result.view?.status).toBe("awaiting-approval");
    expect(mounted.stdout.allText()).toContain("Resume it with: acr-cmk runs resume run-1");
    expect(mounted.engine.callsTo("abort")).toHaveLength(0);
  });

  it("leaves on Ctrl-C the same way, even while typing", async () => {
    const mounted = mountTui({ target });
    await openRecommendedRun(mounted);
    await type(mounted, "r", "half a reas", KEYS.ctrlC);
    const result = await mounted.result;
    expect(result).toMatchObject({ reason: "interrupt", runId: "run-1" });
    expect(mounted.stdout.allText()).toContain("acr-cmk runs resume run-1");
    expect(mounted.engine.callsTo("reject")).toHaveLength(0);
  });

  it("opens one run directly and leaves the TUI when it is done (the run command on a TTY)", async () => {
    const engine = new FakeEngine({ risk: "low" });
    const started = await engine.start({
      runbook: "key-deleted",
      target: { subscriptionId: "s", resourceGroup: "rg-prod", registry: "contosoprod" },
      requester: "alice",
      driver: "tui",
    });
    const mounted = mountTui({ engine, runId: started.id });
    await waitForFrame(mounted.stdout, (f) => f.includes("Approve this change?"));
    await type(mounted, "a");
    await waitForFrame(mounted.stdout, (f) => f.includes("Enter/q quit"));
    await type(mounted, KEYS.enter);
    const result = await mounted.result;
    expect(result.view?.status).toBe("succeeded");
    expect(mounted.diagnosed).toHaveLength(0);
  });
});

describe("help and runs", () => {
  it("shows help on ? and closes it without losing the screen", async () => {
    const mounted = mountTui({ target });
    await waitForFrame(mounted.stdout, (f) => f.includes("Start recovery"));
    await type(mounted, "?");
    const help = await waitForFrame(mounted.stdout, (f) => f.includes("Keys"));
    expect(help).toContain("approve the change on screen");
    // Keys of the screen under the help wait: Enter does not start a run.
    await type(mounted, KEYS.enter, "?");
    await waitForFrame(mounted.stdout, (f) => f.includes("Start recovery") && !f.includes("show or hide this help"));
    expect(mounted.engine.callsTo("start")).toHaveLength(0);
    expect(mounted.diagnosed).toHaveLength(1);
  });

  it("lists runs, shows a run's audit trail and resumes it", async () => {
    const engine = new FakeEngine();
    engine.seed({ id: "run-7", status: "awaiting-approval", updatedAt: "2026-01-02T00:00:00.000Z" });
    engine.seed({ id: "run-3", status: "succeeded", updatedAt: "2026-01-01T00:00:00.000Z" });
    const mounted = mountTui({ target, engine });
    await waitForFrame(mounted.stdout, (f) => f.includes("Resume run run-7"));
    await type(mounted, "R");
    const list = await waitForFrame(mounted.stdout, (f) => f.includes("Choose a run"));
    expect(list.indexOf("run-7")).toBeLessThan(list.indexOf("run-3"));
    await type(mounted, KEYS.enter);
    const trail = await waitForFrame(mounted.stdout, (f) => f.includes("Audit trail"));
    expect(trail).toContain("alice: run.start → ok");
    expect(trail).toContain("approval.request → pending");
    await type(mounted, KEYS.enter);
    await waitForFrame(mounted.stdout, (f) => f.includes("Approve this change?"));
    expect(engine.callsTo("resume")).toEqual([["run-7", "alice", { selfApprove: true }]]);
  });

  it("says why a finished run cannot be resumed from its audit trail", async () => {
    const engine = new FakeEngine();
    engine.seed({ id: "run-3", status: "succeeded" });
    const mounted = mountTui({ target, engine });
    await waitForFrame(mounted.stdout, (f) => f.includes("Start recovery"));
    await type(mounted, "R", KEYS.enter);
    const trail = await waitForFrame(mounted.stdout, (f) => f.includes("Audit trail"));
    expect(trail).not.toContain("Enter resume");
    await type(mounted, KEYS.enter);
    expect(engine.callsTo("resume")).toHaveLength(0);
  });
});

describe("refusals are visible", () => {
  it("an expired approval request is asked again for the person to review, not approved blind", async () => {
    const engine = new FakeEngine({ risk: "low", refuseApproval: "expired" });
    const mounted = mountTui({ target, engine });
    await openRecommendedRun(mounted);
    await type(mounted, "a");
    await waitForFrame(mounted.stdout, (f) => f.includes("That request had expired; it is asked again."));
    expect(engine.callsTo("resume")).toEqual([["run-1", "alice", undefined]]);
    expect(engine.callsTo("approve")).toHaveLength(1);
  });

  it("a RunRefused from start keeps the person on home with the reason", async () => {
    const engine = new FakeEngine();
    engine.start = async () => {
      throw new RunRefused("another run holds rg-prod/contosoprod", "locked");
    };
    const mounted = mountTui({ target, engine });
    await waitForFrame(mounted.stdout, (f) => f.includes("Start recovery"));
    await type(mounted, KEYS.enter);
    await waitForFrame(mounted.stdout, (f) =>
      f
        .replace(/\s+/g, " ")
        .includes("Could not start key-deleted: another run holds rg-prod/contosoprod (here: R opens the runs list)"),
    );
  });
});

describe("start-up", () => {
  it("draws its first frame before Azure and the run store are connected, then goes on", async () => {
    let connect!: () => void;
    const engine = new FakeEngine();
    const gate = new Promise<void>((resolve) => (connect = resolve));
    // `connect` wins over the harness's ready-made connection (renderTui takes one or the other).
    const m = mountTui({
      target,
      engine,
      connect: async () => {
        await gate;
        return {
          engine,
          diagnose: async () => ({ healthy: true, findings: [] }),
          listRegistries: async () => [],
          subscriptionId: "s",
        };
      },
    } as never);
    await waitForFrame(m.stdout, (f) => f.includes("Opening the sandbox and the run store"));
    connect();
    await waitForFrame(m.stdout, (f) => f.includes("✔ Healthy: rg-prod/contosoprod"));
  });

  it("with the connection at hand (a run opened from the command line) the first frame is the screen itself", async () => {
    const mounted = mountTui();
    await waitForFrame(mounted.stdout, (f) => f.includes("Which registry?"));
    const first = stripVTControlCharacters(mounted.stdout.frames.find((frame) => frame.includes("home")) ?? "");
    expect(first).toContain("acr-cmk · home");
    expect(first).not.toContain("Opening the sandbox");
  });
});
