// `--dry-run` fills every <placeholder> whose value is known: what the diagnosis read (vault, its group and location,
// key version, identity resource id, principal id, role assignment). Only values the run chooses later may stay.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cli, tempDir } from "../fixtures/cli-capture.js";

let temp: ReturnType<typeof tempDir>;
beforeEach(() => {
  temp = tempDir("acr-cmk-dry-run-");
});
afterEach(() => temp.cleanup());

/** Values a dry run cannot know: the identity the person will pick, the new expiry, a support classification. */
const CHOSEN_LATER = new Set([
  "target-identity-id",
  "target-identity",
  "target-principal-id",
  "expires",
  "classification-id",
]);

async function placeholdersLeft(init: string[], incident: string | undefined, runbook: string): Promise<string[]> {
  expect((await cli(temp.dir, "sandbox", "init", ...init)).code).toBe(0);
  if (incident) expect((await cli(temp.dir, "sandbox", "break", incident)).code).toBe(0);
  const dry = await cli(
    temp.dir,
    "--sandbox",
    "run",
    runbook,
    "-g",
    "rg-acr-cmk-demo",
    "-r",
    "acrcmkdemo",
    "--dry-run",
  );
  expect(dry.code, dry.stderr).toBe(0);
  const commands = dry.stdout.split("\n").filter((line) => line.trim().startsWith("az:"));
  expect(commands.length).toBeGreaterThan(0);
  return [...new Set(commands.flatMap((line) => [...line.matchAll(/<([a-z-]+)>/g)].map((m) => m[1] as string)))];
}

describe("--dry-run fills what it knows", () => {
  it.each([
    [[], "key-deleted", "key-deleted"],
    [[], "vault-deleted", "key-deleted"],
    [[], "identity-removed", "identity-removed"],
    [["--identity", "system"], "system-identity-removed", "identity-removed"],
    [[], "firewall-403", "firewall-403"],
    [[], "key-disabled", "restore"],
    [["--access", "rbac"], "access-revoked", "restore"],
    [[], undefined, "rotate"],
    [["--access", "rbac"], undefined, "revoke"],
  ])("sandbox init %j, break %s, run %s", async (init, incident, runbook) => {
    const left = await placeholdersLeft(init, incident, runbook);
    expect(left.filter((name) => !CHOSEN_LATER.has(name))).toEqual([]);
  });

  it("leaves a placeholder the diagnosis could not read (no role assignment on an access-policy vault)", async () => {
    expect(await placeholdersLeft([], undefined, "revoke")).toContain("role-assignment-id");
  });
});
