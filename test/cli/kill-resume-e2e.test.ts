// The real binary killed with SIGKILL in the middle of a recovery (no chance to clean up: the registry lock and the run
// stay as the dead process left them), then `runs resume --yes` from a new process: the lock of a dead process is taken
// over at once, the run ends healthy, no change is made twice, nothing is purged and the audit chain holds.
// Spawns bin/acr-cmk.js, which runs dist/: `npm test` builds first.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { CliSandbox } from "../fixtures/cli-sandbox.js";

const BIN = fileURLToPath(new URL("../../bin/acr-cmk.js", import.meta.url));
const sandboxes: CliSandbox[] = [];
afterAll(() => {
  for (const sandbox of sandboxes) sandbox.remove();
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe("SIGKILL mid-recovery, then resume", () => {
  it("vault-deleted on an RBAC vault: killed after the vault came back, resumed to a healthy registry", async () => {
    // Reference: the clean recovery's number of Azure changes.
    const reference = new CliSandbox("acr-cmk-kill-ref-");
    sandboxes.push(reference);
    await reference.ok(["sandbox", "init", "--access", "rbac"]);
    await reference.ok(["sandbox", "break", "vault-deleted"]);
    const refStart = reference.world().counters.writes;
    await reference.ok(["recover", "-g", "rg-acr-cmk-demo", "-r", "acrcmkdemo", "--yes"]);
    const cleanWrites = reference.world().counters.writes - refStart;
    expect(cleanWrites).toBeGreaterThanOrEqual(2);

    const sandbox = new CliSandbox("acr-cmk-kill-");
    sandboxes.push(sandbox);
    await sandbox.ok(["sandbox", "init", "--access", "rbac"]);
    await sandbox.ok(["sandbox", "break", "vault-deleted"]);
    // Slow Azure down so the process is surely between its first and its last change when it is killed.
    sandbox.store.update((world) => void (world.settings.latencyMs = 150));
    const start = sandbox.world().counters.writes;

    const child = spawn(
      process.execPath,
      [BIN, "--sandbox", sandbox.stateFile, "recover", "-g", "rg-acr-cmk-demo", "-r", "acrcmkdemo", "--yes"],
      { env: { ...process.env, ACR_CMK_HOME: sandbox.home, CI: "true" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("exit", (_code, signal) => resolve(signal)),
    );
    const deadline = Date.now() + 20_000;
    while (sandbox.world().counters.writes - start < 1 && Date.now() < deadline) await sleep(5);
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    const writesAtKill = sandbox.world().counters.writes - start;
    expect(writesAtKill).toBeGreaterThanOrEqual(1);
    expect(writesAtKill).toBeLessThan(cleanWrites);

    sandbox.store.update((world) => void (world.settings.latencyMs = 0));
    const runs = (await sandbox.json<{ runs: Array<{ id: string; status: string }> }>(["runs", "list"])).body.runs;
    expect(runs).toHaveLength(1);
    const resumed = await sandbox.cli(["runs", "resume", runs[0]!.id, "--yes"]);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/succeeded/);

    expect(sandbox.world().counters.writes - start, "no change made twice").toBe(cleanWrites);
    expect(sandbox.world().counters.purgeRequests).toBe(0);
    expect((await sandbox.status()).registries[0]?.healthy).toBe(true);
    expect((await sandbox.cli(["audit", "verify"])).code).toBe(0);
  }, 30_000);
});
