// Ctrl-C in the plain driver: the run stops at its last saved step, says how to continue, shows as stopped, and the
// next `recover` on that registry names it.
import { afterAll, describe, expect, it } from "vitest";
import { CliSandbox } from "../fixtures/cli-sandbox.js";

const sandboxes: CliSandbox[] = [];
afterAll(() => {
  for (const sandbox of sandboxes) sandbox.remove();
});

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("Ctrl-C while a run waits on Azure", () => {
  it("stops the run resumably, exits 130 with the resume command, and recover names the stopped run", async () => {
    const sandbox = new CliSandbox("acr-cmk-interrupt-");
    sandboxes.push(sandbox);
    await sandbox.ok(["sandbox", "init"]);
    const registry = (await sandbox.status()).registries[0]!;
    const target = ["-g", registry.resourceGroup, "-r", registry.name];
    // A versionless key: rotate waits up to an hour (sandbox time) for the registry to pick the new version up.
    const rotating = sandbox.cli(["rotate", ...target, "--yes"]);
    const runs = () => sandbox.json<{ runs: Array<{ id: string; status: string }> }>(["runs", "list"]);
    const waiting = await until(runs, (r) => r.body.runs[0]?.status === "waiting");
    const id = waiting.body.runs[0]!.id;

    process.emit("SIGINT");
    const interrupted = await rotating;
    expect(interrupted.code).toBe(130);
    expect(interrupted.stdout).toContain(`Run ${id} stopped.`);
    expect(interrupted.stdout).toContain(`Continue it with: acr-cmk --sandbox ${sandbox.stateFile} runs resume ${id}`);
    expect((await runs()).body.runs[0]).toMatchObject({ id, status: "stopped" });
    // However often it polled meanwhile, the wait was printed once, with how to move on in the sandbox.
    expect(interrupted.stdout.match(/^ {5}waiting: /gm)).toHaveLength(1);
    expect(interrupted.stdout).toContain(`acr-cmk --sandbox ${sandbox.stateFile} sandbox advance 1h`);

    const recover = await sandbox.cli(["recover", ...target, "--yes"]);
    expect(recover.stderr).toContain(`Run ${id} (rotate, requested by`);
    expect(recover.stderr).toContain("was interrupted and is still resumable");

    // Resumed, it goes on from where it stopped.
    const resumed = sandbox.cli(["runs", "resume", id, "--yes"]);
    await until(runs, (r) => r.body.runs.find((run) => run.id === id)?.status === "waiting");
    process.emit("SIGINT");
    expect((await resumed).code).toBe(130);
  });
});
