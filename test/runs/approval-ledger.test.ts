// The approval ledger's reading of the audit trail: which approval of a run's pending request stands when another
// process takes the run over (it recorded the approval, then lost the run before acting on it).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ApprovalLedger } from "../../src/runs/approval-ledger.js";
import { journalOf } from "../../src/runs/run-journal.js";
import { openSqliteBackend } from "../../src/runs/sqlite-store.js";
import type { RunBackend } from "../../src/runs/store.js";

const clock = { now: () => new Date("2030-01-01T00:00:00Z") };
let home: string;
let backend: RunBackend;

afterEach(() => {
  backend.close();
  rmSync(home, { recursive: true, force: true });
});

function openLedger() {
  home = mkdtempSync(join(tmpdir(), "acr-cmk-ledger-"));
  backend = openSqliteBackend(home);
  const write = journalOf(backend.audit, clock);
  const say = (actor: string, action: string, outcome: string, fingerprint = "fp-1") =>
    write({ runId: "r1", actor, action, outcome }, { step: "approve-recover", fingerprint });
  return { ledger: new ApprovalLedger(backend, backend.audit, write, clock, 60_000), say };
}

describe("the approval of the pending request", () => {
  it("is the last approval since the request was last asked for, by step and fingerprint", async () => {
    const { ledger, say } = openLedger();
    const pending = () => ledger.approverOfPending("r1", "approve-recover", "fp-1");
    await say("acr-cmk", "approval-requested", "waiting");
    expect(await pending()).toBeUndefined();
    await say("UALICE", "approve", "refused: self-approval");
    await say("UBOB", "approve", "approved", "fp-other");
    expect(await pending()).toBeUndefined();
    await say("UBOB", "approve", "approved");
    expect(await pending()).toBe("UBOB");
    // Asked again (a retry of the same change, an expired request asked anew): the earlier approval no longer counts.
    await say("acr-cmk", "approval-requested", "waiting");
    expect(await pending()).toBeUndefined();
    await say("UCAROL", "approve", "approved");
    expect(await pending()).toBe("UCAROL");
  });
});
