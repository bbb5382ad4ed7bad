// The real binary in a real 80×24 terminal (tmux): a person recovers a sandbox registry from key-deleted with
// keystrokes alone. Needs `npm run build` (npm test builds first) and tmux (CI installs it).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const bin = join(root, "bin", "acr-cmk.js");
// A server of our own, so the test never touches a person's tmux sessions.
const socket = `acr-cmk-e2e-${process.pid}`;
const session = "recover";

function tmux(...args: string[]): string {
  return execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
}

function screen(): string {
  return tmux("capture-pane", "-p", "-t", session);
}

function cli(home: string, ...args: string[]): string {
  return execFileSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    env: { ...process.env, ACR_CMK_HOME: home, NO_COLOR: "1" },
  });
}

/** `sandbox status` exits 1 while a registry is unhealthy; its JSON is what we read. */
function sandboxStatus(home: string): { registries: Array<{ name: string; resourceGroup: string; healthy: boolean }> } {
  const result = spawnSync(process.execPath, [bin, "sandbox", "status", "--output", "json"], {
    encoding: "utf8",
    env: { ...process.env, ACR_CMK_HOME: home },
  });
  if (result.status !== 0 && result.status !== 1) throw new Error(`sandbox status failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as ReturnType<typeof sandboxStatus>;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForScreen(check: (text: string) => boolean, what: string, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    last = screen();
    if (check(last)) return last;
    await sleep(100);
  }
  throw new Error(`waited ${timeoutMs} ms for ${what}; the screen shows:\n${last}`);
}

let home = "";

beforeAll(() => {
  const probe = spawnSync("tmux", ["-V"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      "tmux is not installed: this end-to-end test drives the real TUI in tmux. Install it (apt-get install tmux, brew install tmux) and run the tests again.",
    );
  }
  if (!existsSync(join(root, "dist", "cli.js"))) {
    throw new Error("no build: run `npm run build` first (npm test does)");
  }
  home = mkdtempSync(join(tmpdir(), "acr-cmk-tui-e2e-"));
});

afterAll(() => {
  spawnSync("tmux", ["-L", socket, "kill-server"]);
  if (home) rmSync(home, { recursive: true, force: true });
});

describe("the terminal UI in a real terminal", () => {
  it("recovers a key-deleted sandbox registry with keystrokes alone at 80×24", async () => {
    cli(home, "sandbox", "init");
    cli(home, "sandbox", "break", "key-deleted");
    const before = sandboxStatus(home);
    const registry = before.registries[0]!;
    expect(registry.healthy).toBe(false);

    const command = [
      "env",
      `ACR_CMK_HOME=${shellQuote(home)}`,
      "NO_COLOR=1",
      shellQuote(process.execPath),
      shellQuote(bin),
      "recover",
      "-g",
      registry.resourceGroup,
      "-r",
      registry.name,
      "--sandbox",
    ].join(" ");
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", `${command}; echo "ACR_CMK_EXIT=$?"; sleep 60`);

    // Approve every change the runbook asks for, the way a person would: a, and the registry name where asked.
    const seen: string[] = [];
    const deadline = Date.now() + 45_000;
    let approvals = 0;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`the run did not finish; the screen shows:\n${screen()}`);
      const text = await waitForScreen(
        (t) => /Approve this change\?|Run recovered|✖ Run|ACR_CMK_EXIT=/.test(t),
        "an approval or the end of the run",
      );
      seen.push(text);
      if (text.includes("Run recovered") || text.includes("ACR_CMK_EXIT=") || /✖ Run/.test(text)) break;
      if (text.includes("Type the registry name")) {
        tmux("send-keys", "-t", session, "-l", registry.name);
        tmux("send-keys", "-t", session, "Enter");
      } else if (text.includes("Press a to approve")) {
        tmux("send-keys", "-t", session, "a");
      }
      approvals += 1;
      // Wait until this approval has left the screen before looking for the next one.
      await waitForScreen((t) => t !== text, "the screen to move on after the keystroke");
    }

    const approvalScreen = seen.find((t) => t.includes("Approve this change?"));
    expect(approvalScreen, "an approval prompt was shown").toBeDefined();
    expect(approvalScreen).toContain("SANDBOX");
    expect(approvalScreen).toMatch(/\$ az keyvault key recover/);
    expect(approvalScreen).toMatch(/risk\s+(low|medium|high)/);
    expect(approvals).toBeGreaterThanOrEqual(1);
    const end = seen.at(-1)!;
    expect(end).toContain("Run recovered");
    for (const line of end.split("\n")) expect([...line].length).toBeLessThanOrEqual(80);

    tmux("send-keys", "-t", session, "q");
    const after = await waitForScreen((t) => t.includes("ACR_CMK_EXIT="), "the program to exit");
    expect(after).toContain("ACR_CMK_EXIT=0");
    expect(after).toMatch(/Run \S+ \(key-deleted, .+\): recovered\./);

    const status = sandboxStatus(home);
    expect(status.registries[0]!.healthy).toBe(true);
  });
});
