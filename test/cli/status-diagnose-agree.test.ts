// `sandbox status` (the sandbox's ground truth) and `diagnose` (what an engineer runs) must tell the same story about
// one registry in one state: the same exit code, and the same word for it — UNHEALTHY (cannot read its key), degraded
// (reads, but what needs the key next fails), healthy — on the status table and on diagnose's Impact line.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IMPACT_WORD, type Impact } from "../../src/diagnosis/impact.js";
import { INCIDENT_NAMES } from "../../src/sandbox/incidents.js";
import { cli, tempDir } from "../fixtures/cli-capture.js";

let temp: ReturnType<typeof tempDir>;
beforeEach(() => {
  temp = tempDir("acr-cmk-agree-");
});
afterEach(() => temp.cleanup());

const TARGET = ["-g", "rg-acr-cmk-demo", "-r", "acrcmkdemo"];

async function compare(incident?: string) {
  const init = await cli(
    temp.dir,
    "sandbox",
    "init",
    ...(incident === "system-identity-removed" ? ["--identity", "system"] : []),
  );
  expect(init.code, init.stderr).toBe(0);
  if (incident) {
    const broke = await cli(temp.dir, "sandbox", "break", incident);
    expect(broke.code, broke.stderr).toBe(0);
  }
  const status = await cli(temp.dir, "sandbox", "status");
  const statusJson = await cli(temp.dir, "--output", "json", "sandbox", "status");
  const diagnose = await cli(temp.dir, "--sandbox", "diagnose", ...TARGET);
  const diagnoseJson = await cli(temp.dir, "--sandbox", "--output", "json", "diagnose", ...TARGET);
  const registry = (JSON.parse(statusJson.stdout) as { registries: { healthy: boolean; reason: string | null }[] })
    .registries[0];
  const report = JSON.parse(diagnoseJson.stdout) as { healthy: boolean; impact: Impact | null };
  return { status, statusJson, diagnose, diagnoseJson, registry, report };
}

describe("sandbox status and diagnose agree on the same state", () => {
  it.each(INCIDENT_NAMES)("after `sandbox break %s`", async (incident) => {
    const { status, statusJson, diagnose, diagnoseJson, registry, report } = await compare(incident);
    // Every incident breaks something: both say so with exit 1.
    expect(status.code, status.stderr).toBe(1);
    expect(statusJson.code).toBe(1);
    expect(diagnose.code, diagnose.stderr).toBe(1);
    expect(diagnoseJson.code).toBe(1);
    // One word for the state, on both: the status table's HEALTH column and diagnose's Impact line.
    expect(report.impact).not.toBeNull();
    const word = IMPACT_WORD[report.impact?.state ?? "unknown"];
    expect(word).toBe(registry?.healthy ? "degraded" : "UNHEALTHY");
    expect(status.stdout).toMatch(new RegExp(`acrcmkdemo\\s+rg-acr-cmk-demo\\s+${word}\\s`));
    expect(diagnose.stdout).toContain(`Impact: ${word} — `);
  });

  it("on a healthy world", async () => {
    const { status, diagnose, registry, report } = await compare();
    expect(status.code).toBe(0);
    expect(diagnose.code).toBe(0);
    expect(registry).toMatchObject({ healthy: true, reason: null });
    expect(report).toMatchObject({ healthy: true, impact: null });
    expect(status.stdout).toMatch(/acrcmkdemo\s+rg-acr-cmk-demo\s+healthy\s/);
    expect(diagnose.stdout).toContain("Healthy: the registry can reach and use its key.");
  });
});
