// A drill end to end through the CLI: alice deletes the key, `recover --yes` brings it back, and
// `runs show --format md` writes the incident report: the cause from the timeline, the approvals, the changes with
// their Azure request ids and az equivalents, and the undo.
import { afterAll, describe, expect, it } from "vitest";
import { CliSandbox } from "../fixtures/cli-sandbox.js";

const sandboxes: CliSandbox[] = [];
afterAll(() => {
  for (const sandbox of sandboxes) sandbox.remove();
});

describe("runs show --format md", () => {
  it("writes the incident report of a recovered key deletion, naming who deleted it and when", async () => {
    const sandbox = new CliSandbox("acr-cmk-incident-report-");
    sandboxes.push(sandbox);
    await sandbox.ok(["sandbox", "init"]);
    const [registry] = (await sandbox.status()).registries;
    const { resourceGroup, name } = registry!;
    await sandbox.ok(["sandbox", "break", "key-deleted", "--as", "alice@contoso.com", "--client", "portal"]);

    const recover = await sandbox.cli(["recover", "-g", resourceGroup, "-r", name, "--yes"]);
    expect(recover.code, `${recover.stdout}\n${recover.stderr}`).toBe(0);
    expect(recover.stdout).toMatch(/undoes: +key acr-cmk deleted by alice@contoso\.com at .* with the Azure portal/);
    const runId = /^Run (\S+): /m.exec(recover.stdout)?.[1] ?? "missing";

    const md = await sandbox.ok(["runs", "show", runId, "--format", "md"]);
    const report = md.stdout;
    expect(report).toMatch(new RegExp(`^# Incident report: key-deleted on ${resourceGroup}/${name}$`, "m"));
    expect(report).toMatch(
      /## What happened\n\nkey acr-cmk deleted by alice@contoso\.com at \d\d:\d\d UTC on [\d-]+ with the Azure portal\. This run undoes that change\./,
    );
    expect(report).toMatch(
      /\| [\d-]+ [\d:]+ \| alice@contoso\.com \| key acr-cmk deleted \| the Azure portal \| key-vault-audit \|/,
    );
    expect(report).toMatch(/\| critical \| `KEY_SOFT_DELETED` \| .* \| key acr-cmk deleted by alice@contoso\.com/);
    expect(report).toMatch(/## Approvals\n\n\| When \(UTC\) \| Who \| Decision/);
    expect(report).toMatch(/\| approved \|/);
    const changes = report.slice(report.indexOf("## Changes made"), report.indexOf("## Steps"));
    expect(changes).toMatch(/\| succeeded \| .* \| `[0-9a-f-]{36}`/);
    expect(changes).toMatch(/`az keyvault key recover /);
    expect(report).toMatch(/## Undo\n\n/);

    const bad = await sandbox.cli(["runs", "show", runId, "--format", "pdf"]);
    expect(bad.code).toBe(2);
  });

  it("sandbox break refuses an --as that is not a user principal name, and changes nothing", async () => {
    const sandbox = new CliSandbox("acr-cmk-break-as-");
    sandboxes.push(sandbox);
    await sandbox.ok(["sandbox", "init", "--audit-logs", "off"]);
    const refused = await sandbox.cli(["sandbox", "break", "key-deleted", "--as", "not a upn"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--as takes a user principal name/);
    expect((await sandbox.status()).registries[0]?.healthy).toBe(true);
    expect(sandbox.world().changes ?? []).toEqual([]);
    const since = await sandbox.cli(["diagnose", "-g", "rg-acr-cmk-demo", "-r", "acrcmkdemo", "--since", "yesterday"]);
    expect(since.code).toBe(2);
    expect(since.stderr).toMatch(/--since/);
  });
});
