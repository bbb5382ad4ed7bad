// A run remembers where it acts (Azure and its subscription, or a sandbox and its state file). `runs resume|abort`
// act there, whatever the command line says by default, and refuse clearly when that place is gone or another one is
// named: a sandbox drill resumed without `--sandbox` must never send its changes to real Azure.
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { CliSandbox } from "../fixtures/cli-sandbox.js";

// The fixture's commands inherit no environment: no ACR_CMK_SANDBOX, no AZURE_SUBSCRIPTION_ID, no sign-in. Only the
// run's own record can point a command anywhere.
const NO_CLOUD: Record<string, string> = {};

let sandbox: CliSandbox;
afterEach(() => sandbox?.remove());

/** `recover` on the firewall incident without --yes: the run stops at its first approval and stays waiting. */
async function waitingRun(): Promise<{ runId: string; target: string[] }> {
  sandbox = new CliSandbox("acr-cmk-place-");
  await sandbox.ok(["sandbox", "init"]);
  await sandbox.ok(["sandbox", "break", "firewall-403"]);
  const registry = (await sandbox.status()).registries[0]!;
  const target = ["-g", registry.resourceGroup, "-r", registry.name];
  const waiting = await sandbox.cli(["recover", ...target]);
  expect(waiting.stdout, waiting.stdout + waiting.stderr).toContain("Waiting for approval");
  const runs = (await sandbox.json<{ runs: Array<{ id: string; status: string }> }>(["runs", "list"])).body.runs;
  expect(runs.map((run) => run.status)).toEqual(["awaiting-approval"]);
  return { runId: runs[0]!.id, target };
}

describe("a sandbox run is continued in its sandbox, never in Azure", () => {
  it("`runs resume <id> --yes` without --sandbox approves in the run's own sandbox and recovers it", async () => {
    const { runId } = await waitingRun();
    const resumed = await sandbox.typed(["runs", "resume", runId, "--yes"], NO_CLOUD);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`Run ${runId} succeeded.`);
    expect(resumed.stdout + resumed.stderr).not.toMatch(/ENOTFOUND|could not be reached|sign in/i);
    expect((await sandbox.status()).registries[0]!.healthy).toBe(true);
    const audit = await sandbox.typed(["audit", "verify"], NO_CLOUD);
    expect(audit.code).toBe(0);
  });

  it("the busy registry's hint names the run's sandbox, and following it works as printed", async () => {
    const { runId, target } = await waitingRun();
    const busy = await sandbox.cli(["recover", ...target, "--yes"]);
    const hint = `acr-cmk --sandbox ${sandbox.stateFile} runs resume ${runId}`;
    expect(busy.stdout + busy.stderr).toContain(hint);
    const followed = await sandbox.typed(["--sandbox", sandbox.stateFile, "runs", "resume", runId, "--yes"], NO_CLOUD);
    expect(followed.code, followed.stdout + followed.stderr).toBe(0);
  });

  it("`runs abort` without --sandbox stops the run where it acts", async () => {
    const { runId } = await waitingRun();
    const aborted = await sandbox.typed(["runs", "abort", runId, "--reason", "drill over"], NO_CLOUD);
    expect(aborted.code, aborted.stdout + aborted.stderr).toBe(0);
    expect(aborted.stdout).toContain(`Run ${runId} aborted`);
  });

  it("`runs show` says where the run acts, in text and JSON", async () => {
    const { runId } = await waitingRun();
    const text = await sandbox.typed(["runs", "show", runId], NO_CLOUD);
    expect(text.stdout).toContain(`acts in the sandbox at ${sandbox.stateFile}`);
    const json = JSON.parse((await sandbox.typed(["runs", "show", runId, "--output", "json"], NO_CLOUD)).stdout) as {
      run: { place: unknown };
    };
    expect(json.run.place).toEqual({ kind: "sandbox", stateFile: sandbox.stateFile });
  });
});

describe("refused with a clear message (exit 2, nothing changed)", () => {
  it("another sandbox named on the command line", async () => {
    const { runId } = await waitingRun();
    const other = join(sandbox.home, "other.json");
    const writes = sandbox.world().counters.writes;
    const result = await sandbox.typed(["--sandbox", other, "runs", "resume", runId, "--yes"], NO_CLOUD);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`run ${runId} acts in the sandbox at ${sandbox.stateFile}, not in the sandbox at`);
    expect(sandbox.world().counters.writes).toBe(writes);
  });

  it("the run's state file is gone", async () => {
    const { runId } = await waitingRun();
    rmSync(sandbox.stateFile);
    const result = await sandbox.typed(["runs", "resume", runId, "--yes"], NO_CLOUD);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("that state file is gone");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("the state file now holds another world (`sandbox init` again)", async () => {
    const { runId } = await waitingRun();
    await sandbox.ok(["sandbox", "init"]);
    const writes = sandbox.world().counters.writes;
    const result = await sandbox.typed(["runs", "resume", runId, "--yes"], NO_CLOUD);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("now holds another world");
    expect(sandbox.world().counters.writes).toBe(writes);
  });
});

describe("commands a run's messages name carry the flags that reach its place", () => {
  it("a sandbox run's next step names the run's sandbox, and following it works as printed", async () => {
    sandbox = new CliSandbox("acr-cmk-place-hint-");
    await sandbox.ok(["sandbox", "init"]);
    await sandbox.ok(["sandbox", "break", "key-deleted"]);
    const registry = (await sandbox.status()).registries[0]!;
    const target = ["-g", registry.resourceGroup, "-r", registry.name];
    const restore = await sandbox.cli(["restore", ...target, "--yes"]);
    const next = `acr-cmk --sandbox ${sandbox.stateFile} run key-deleted -g ${registry.resourceGroup} -r ${registry.name}`;
    expect(restore.stdout, restore.stdout + restore.stderr).toContain(`next: Run: ${next}`);
    const followed = await sandbox.typed([...next.split(" ").slice(1), "--yes"], NO_CLOUD);
    expect(followed.code, followed.stdout + followed.stderr).toBe(0);
    expect((await sandbox.status()).registries[0]!.healthy).toBe(true);
  });
});

describe("a run whose sandbox is gone can still be aborted (no Azure call), with why", () => {
  for (const [how, removeWorld] of [
    ["its state file was deleted", () => rmSync(sandbox.stateFile)],
    ["`sandbox init` replaced its world", () => sandbox.ok(["sandbox", "init"])],
  ] as const) {
    it(`${how}: the run leaves runs list's waiting runs, and the audit log says why`, async () => {
      const { runId } = await waitingRun();
      await removeWorld();
      const aborted = await sandbox.typed(["runs", "abort", runId, "--reason", "drill over"], NO_CLOUD);
      expect(aborted.code, aborted.stdout + aborted.stderr).toBe(0);
      expect(aborted.stdout).toContain(`Run ${runId} aborted by`);
      expect(aborted.stdout).toContain("nothing in Azure changed");
      const shown = await sandbox.typed(["--output", "json", "runs", "show", runId], NO_CLOUD);
      const doc = JSON.parse(shown.stdout) as {
        run: { status: string; outcome: { summary: string } };
        audit: Array<{ action: string; outcome: string; details: Record<string, unknown> }>;
      };
      expect(doc.run.status).toBe("aborted");
      expect(doc.run.outcome.summary).toContain("drill over");
      expect(doc.audit).toContainEqual(
        expect.objectContaining({ action: "abort", details: expect.objectContaining({ reason: "drill over" }) }),
      );
      expect(String(doc.audit.find((e) => e.action === "abort")?.details.placeGone)).toMatch(/gone|another world/);
      expect(doc.audit.at(-1)).toMatchObject({ action: "run-end", outcome: "aborted" });
      // Aborted for good: a resume changes nothing.
      const again = await sandbox.typed(["runs", "abort", runId, "--reason", "twice"], NO_CLOUD);
      expect(again.code).toBe(0);
      const audit = await sandbox.typed(["audit", "verify"], NO_CLOUD);
      expect(audit.code).toBe(0);
    });
  }
});

describe("runs stored before the place was recorded", () => {
  it("a run whose subscription is the default sandbox's is continued in that sandbox, and keeps that place", async () => {
    const { runId } = await waitingRun();
    const db = new DatabaseSync(join(sandbox.home, "runs.sqlite"));
    db.prepare("UPDATE runs SET place = NULL, view = json_remove(view, '$.place') WHERE id = ?").run(runId);
    db.close();
    const before = await sandbox.typed(["runs", "show", runId], NO_CLOUD);
    expect(before.stdout).toContain("acts in a place not recorded");
    const resumed = await sandbox.typed(["runs", "resume", runId, "--yes"], NO_CLOUD);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    const after = await sandbox.typed(["runs", "show", runId], NO_CLOUD);
    expect(after.stdout).toContain(`acts in the sandbox at ${sandbox.stateFile}`);
  });

  it("a run of a subscription no sandbox holds is an Azure run: `--sandbox` is refused for it", async () => {
    const { runId } = await waitingRun();
    const db = new DatabaseSync(join(sandbox.home, "runs.sqlite"));
    db.prepare("UPDATE runs SET place = NULL, view = json_remove(view, '$.place') WHERE id = ?").run(runId);
    db.close();
    // The default sandbox now holds another world, so nothing ties the run to a sandbox any more.
    writeFileSync(sandbox.stateFile, JSON.stringify({ subscriptionId: "00000000-0000-0000-0000-0000000000ff" }));
    const result = await sandbox.typed(["--sandbox", sandbox.stateFile, "runs", "resume", runId], NO_CLOUD);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("acts in Azure");
  });
});
