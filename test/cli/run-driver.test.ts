import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { drivePlain, exitCodeForRun, PlainPrinter } from "../../src/cli/plain-driver.js";
import { createRunEngine } from "../../src/runs/engine.js";
import { DATABASE_FILE } from "../../src/runs/database.js";
import type { RunEngine } from "../../src/runs/types.js";
import { fakeAzure, fakeVault, toyRunbook, type FakeKeyVault } from "../fixtures/toy-runbook.js";

const target = { subscriptionId: "sub-1", resourceGroup: "rg-acr", registry: "acrprod" };
let home: string;
let engine: RunEngine | undefined;

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = sink();
  const stderr = sink();
  const code = await main(args, {
    env: { ACR_CMK_HOME: home },
    stdout: stdout.stream,
    stderr: stderr.stream,
    stdin: new PassThrough(),
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "acr-cmk-cli-"));
});
afterEach(async () => {
  await engine?.close();
  engine = undefined;
  rmSync(home, { recursive: true, force: true });
});

function toyEngine(vault = fakeVault()): RunEngine {
  engine = createRunEngine({
    home,
    azure: fakeAzure(vault),
    runbooks: { "key-deleted": toyRunbook(vault) },
    pollIntervalMs: 5,
  });
  return engine;
}

/**
 * alice starts the toy key-deleted run (from the CLI unless `driver` says otherwise) and drives it in the plain driver
 * with or without --yes.
 */
async function alicePlainRun(options: {
  vault?: FakeKeyVault;
  driver?: "cli" | "slack";
  selfApprove?: boolean;
  yes: boolean;
  answers?: string[];
}) {
  const vault = options.vault ?? fakeVault();
  const e = toyEngine(vault);
  const { id } = await e.start({
    runbook: "key-deleted",
    target,
    requester: "alice",
    driver: options.driver ?? "cli",
    ...(options.selfApprove ? { selfApprove: true } : {}),
  });
  const out = sink();
  const view = await drivePlain({
    engine: e,
    runId: id,
    out: out.stream,
    by: "alice",
    yes: options.yes,
    registry: "acrprod",
    ...(options.answers ? { answers: options.answers } : {}),
    invocation: "acr-cmk",
  });
  return { id, view, vault, text: out.text() };
}

describe("plain driver", () => {
  it("with --yes approves as the requester, takes the preset choice and prints each step with its az command", async () => {
    const { view, vault, text } = await alicePlainRun({ selfApprove: true, yes: true, answers: ["skip"] });
    expect(view.status).toBe("succeeded");
    expect(exitCodeForRun(view)).toBe(0);
    expect(text).toContain(
      "[..] Recover the key\n     az: az keyvault key recover --vault-name kv-toy --name cmk -g rg-acr",
    );
    expect(text).toContain("[ok] Check the key\n     - key cmk is soft-deleted");
    expect(text).toContain("approving as alice (--yes)");
    expect(text).toContain("chose skip");
    expect(vault.writes).toEqual(["recoverDeletedKey"]);
  });

  it("without --yes stops at the first approval and prints how to approve", async () => {
    const { id, view, vault, text } = await alicePlainRun({ yes: false });
    expect(view.status).toBe("awaiting-approval");
    expect(exitCodeForRun(view)).toBe(1);
    expect(text).toContain("Approval needed: Recover key cmk");
    expect(text).toContain(`acr-cmk runs resume ${id} --yes`);
    expect(vault.writes).toEqual([]);
  });

  it("a refused self-approval stops the run without changing anything", async () => {
    const { view, vault, text } = await alicePlainRun({ driver: "slack", yes: true });
    expect(view.status).toBe("awaiting-approval");
    expect(text).toMatch(/Approval refused: alice started this run and cannot approve its own change/);
    expect(vault.writes).toEqual([]);
  });

  it("an Azure failure ends with exit 3", async () => {
    const { view } = await alicePlainRun({ vault: fakeVault({ failRecover: 5 }), selfApprove: true, yes: true });
    expect(view.status).toBe("failed");
    expect(view.error).toMatchObject({ step: "recoverKey", cause: "unavailable", requestId: "req-503" });
    expect(exitCodeForRun(view)).toBe(3);
  });
});

describe("runs and audit commands", () => {
  it("lists, shows and verifies runs stored under ACR_CMK_HOME", async () => {
    const e = toyEngine();
    const { id } = await e.start({ runbook: "key-deleted", target, requester: "alice", driver: "cli" });
    await e.settled(id);
    await e.reject(id, "bob", "wrong registry");
    await e.settled(id);
    await e.close();
    engine = undefined;

    const list = await cli(["runs", "list"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^RUN\s+RUNBOOK\s+TARGET\s+STATUS/);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+key-deleted\\s+acr rg-acr/acrprod\\s+rejected\\s+alice`));

    const show = await cli(["--output", "json", "runs", "show", id]);
    expect(show.code).toBe(0);
    const doc = JSON.parse(show.stdout) as { run: { status: string }; audit: Array<{ action: string; actor: string }> };
    expect(doc.run.status).toBe("rejected");
    expect(doc.audit).toContainEqual(expect.objectContaining({ action: "reject", actor: "bob" }));

    const text = await cli(["runs", "show", id]);
    expect(text.stdout).toContain("bob reject: rejected");

    const verify = await cli(["audit", "verify"]);
    expect(verify).toMatchObject({ code: 0 });
    expect(verify.stdout).toMatch(/Audit log intact: \d+ entries/);
  });

  it("audit verify exits 1 and names the entry when the chain is broken", async () => {
    const e = toyEngine();
    const { id } = await e.start({ runbook: "key-deleted", target, requester: "alice", driver: "cli" });
    await e.settled(id);
    await e.close();
    engine = undefined;
    const db = new DatabaseSync(join(home, DATABASE_FILE));
    db.exec("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET outcome = 'approved' WHERE seq = 1");
    db.close();
    const verify = await cli(["audit", "verify"]);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain("BROKEN at entry #1");
  });

  it("bad run ids and unknown runs are bad input (exit 2), without a stack trace", async () => {
    const unknown = await cli(["runs", "show", "no-such-run"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no run with id no-such-run");
    const bad = await cli(["runs", "show", "../../etc/passwd"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toMatch(/\s+at /);
  });
});

describe("a rejected approval", () => {
  it("is shown as rejected, never as done: the plain log, runs show and its JSON", async () => {
    const e = toyEngine();
    const { id } = await e.start({ runbook: "key-deleted", target, requester: "alice", driver: "cli" });
    const out = sink();
    const driving = drivePlain({
      engine: e,
      runId: id,
      out: out.stream,
      by: "alice",
      yes: false,
      registry: "acrprod",
      invocation: "acr-cmk",
    });
    await driving;
    await e.reject(id, "bob", "wrong registry");
    const last = await e.settled(id);
    expect(last.steps.find((s) => s.id === "approveRecover")?.status).toBe("rejected");
    const printer = new PlainPrinter(out.stream);
    printer.update(last);
    expect(out.text()).toContain("[no] Approve: recover the key (rejected)");
    expect(out.text()).not.toContain("[ok] Approve");
    await e.close();
    engine = undefined;

    const text = await cli(["runs", "show", id]);
    expect(text.stdout).toMatch(/\[rejected\] Approve/);
    expect(text.stdout).not.toMatch(/\[done\s*\] Approve/);
    const json = JSON.parse((await cli(["--output", "json", "runs", "show", id])).stdout) as {
      run: { steps: Array<{ id: string; status: string }> };
    };
    expect(json.run.steps.find((s) => s.id === "approveRecover")?.status).toBe("rejected");
  });
});

describe("runs show", () => {
  it("records the value a person chose, not only that they chose", async () => {
    const e = toyEngine();
    const { id } = await e.start({ runbook: "key-deleted", target, requester: "alice", driver: "cli" });
    await e.settled(id);
    await e.approve(id, "bob", { fingerprint: "fp-deleted" });
    await e.settled(id);
    await e.input(id, "alice", "skip");
    await e.settled(id);
    await e.close();
    engine = undefined;
    const text = await cli(["runs", "show", id]);
    expect(text.stdout).toMatch(/alice input: chosen skip\n/);
  });
});
