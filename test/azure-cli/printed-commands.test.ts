// Every change step of every runbook shows the `az` command that does the same change by hand. Here each one, as the
// approval showed it (placeholders filled from the world), runs through the real Azure CLI against a copy of the world
// just before the step, and the world must end exactly as the runbook's own SDK call left it. A printed command that
// does something else is a defect in acr-cmk, however well the runbook itself works.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUNBOOKS } from "../../src/machines/index.js";
import { initFileStore } from "../../src/sandbox/index.js";
import { azureCliAvailable, ProxiedAzure } from "../fixtures/proxied-azure.js";
import { azEquivalent } from "./az-rest-equivalents.js";
import { operationTemplate } from "./operations.js";
import { walk, type ApprovedChange } from "./runbook-walks.js";
import { WALKS } from "./walk-cases.js";
import { project } from "./world-projection.js";

/** Changes that leave the world as it was: a backup reads the key; an extension Key Vault refuses changes nothing. */
const READS_ONLY = new Set(["backup-key"]);

describe.skipIf(!azureCliAvailable())("each change step's printed az command does what the step's SDK call did", () => {
  let px: ProxiedAzure;
  const covered = new Set<string>();
  const operations = new Set<string>();

  beforeAll(async () => {
    px = await ProxiedAzure.start();
    await px.azLogin();
    px.takeRequests();
  });
  afterAll(async () => {
    console.info(`printed az commands exercised ${operations.size} operations:\n${[...operations].sort().join("\n")}`);
    await px?.close();
  });

  async function runPrinted(change: ApprovedChange): Promise<{ ok: boolean; transcript: string }> {
    const backupDir = join(px.folder, "backups");
    mkdirSync(backupDir, { recursive: true });
    const { steps, translated } = azEquivalent(change.az, { subscriptionId: px.ids.subscriptionId, backupDir });
    let transcript = `${change.az}${translated ? "  (run as its REST calls: Debian's az 2.45 lacks this command group)" : ""}\n`;
    for (const step of steps) {
      const result = await px.az(step.args);
      transcript += `az ${step.args.join(" ")} → exit ${result.code}\n${result.stderr}`;
      if (result.code !== 0) return { ok: false, transcript };
      if (step.saveValueTo)
        writeFileSync(step.saveValueTo, String((JSON.parse(result.stdout) as { value: string }).value));
      if (step.pollUntilFound) {
        let found = false;
        for (let attempt = 0; attempt < 10 && !found; attempt++) {
          const poll = await px.az([
            "rest",
            "--method",
            "get",
            "--url",
            step.pollUntilFound,
            "--resource",
            "https://vault.azure.net",
          ]);
          found = poll.code === 0;
        }
        if (!found) return { ok: false, transcript: `${transcript}never found ${step.pollUntilFound}\n` };
      }
    }
    return { ok: true, transcript };
  }

  for (const c of WALKS) {
    it(`${c.name}: every printed change command ends the world where the runbook's call did`, async () => {
      const changes = await walk(c, px.ids);
      expect(changes.length, "the walk approved no change").toBeGreaterThan(0);
      for (const change of changes) {
        covered.add(`${change.runbook}/${change.stepId}`);
        initFileStore(px.stateFile, change.before);
        const { ok, transcript } = await runPrinted(change);
        for (const r of px.takeRequests()) operations.add(operationTemplate(r));
        const refused = c.refused?.includes(change.stepId) ?? false;
        expect(ok, `${change.stepId}:\n${transcript}`).toBe(!refused);
        const expected = project(change.after);
        expect(project(px.world()), `${change.stepId}: ${change.az}\n${transcript}`).toEqual(expected);
        // The comparison has teeth: the step did change the world (unless it only reads, or Azure refused it).
        if (!READS_ONLY.has(change.stepId) && !refused) expect(expected).not.toEqual(project(change.before));
      }
    });
  }

  it("the walks pass every change step of every runbook", () => {
    const all = Object.values(RUNBOOKS).flatMap((r) =>
      r.spec.steps.filter((s) => s.type === "change").map((s) => `${r.spec.id}/${s.id}`),
    );
    expect([...covered].sort()).toEqual([...new Set(all)].sort());
  });
});
