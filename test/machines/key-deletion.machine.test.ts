// A key that is still being deleted must never be called purged (Key Vault's soft delete is eventually consistent):
// the key-deleted runbook looks again before it concludes, and says what it checked.
import { KeyClient } from "@azure/keyvault-keys";
import { describe, expect, it } from "vitest";
import { createSandboxCredential } from "../../src/azure/credentials.js";
import { createSandboxHttpClient } from "../../src/azure/sandbox-transport.js";
import { RUNBOOKS } from "../../src/machines/index.js";
import { createSandboxHandler } from "../../src/sandbox/handler.js";
import { autoRun, groundTruth, sandbox, settled, startRun, type Sandbox } from "./harness.js";
import { keyDeletionInProgress, keyInUse, vaultOf } from "./world-changes.js";
import { until } from "../fixtures/until.js";

const definition = RUNBOOKS["key-deleted"];
const actorsLooking = (sb: Sandbox, look: { everyMs: number; forMs: number }) =>
  definition.actors(sb.azure, { missingKeyLook: look });

/** Someone deletes the registry's key through the real SDK (the DELETE only: nobody waits for the poller). */
async function deleteKeyThroughSdk(sb: Sandbox): Promise<void> {
  const vault = vaultOf(sb.world());
  const { key } = keyInUse(sb.world());
  const client = new KeyClient(`https://${vault.name}.vault.azure.net`, createSandboxCredential(), {
    httpClient: createSandboxHttpClient(createSandboxHandler({ store: sb.store })),
    disableChallengeResourceVerification: true,
  });
  await client.beginDeleteKey(key.name, { intervalInMs: 0 });
}

describe("key-deleted: a key in neither list", () => {
  it("deleted through the SDK moments before the run: the run looks again, recovers it and the registry reads", async () => {
    const sb = sandbox();
    sb.store.update((w) => void (w.settings.keyDeletionMs = 400));
    const vault = vaultOf(sb.world());
    const { key } = keyInUse(sb.world());
    await deleteKeyThroughSdk(sb);
    await expect(sb.azure.getDeletedKey(`https://${vault.name}.vault.azure.net/`, key.name)).rejects.toMatchObject({
      kind: "key-not-found",
    });

    const end = await autoRun(
      startRun(definition, sb.azure, sb.target, actorsLooking(sb, { everyMs: 50, forMs: 5_000 })),
    );
    expect(String(end.value), end.context.lastError?.message).toBe("succeeded");
    expect(end.context.evidence["check-key"]?.[0]).toMatch(/was deleted .* \(after looking \d+ times over/);
    expect(groundTruth(sb)).toEqual({ healthy: true, reason: null });
    expect(sb.world().counters.purgeRequests).toBe(0);
  });

  it("really purged: ends unrecoverable after its bounded look, saying what it checked", async () => {
    const sb = sandbox({ scenario: "no-purge-protection" }, ["key-purged"]);
    const started = Date.now();
    const end = await autoRun(
      startRun(definition, sb.azure, sb.target, actorsLooking(sb, { everyMs: 40, forMs: 200 })),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(String(end.value)).toBe("unrecoverable");
    expect(end.context.evidence["check-key"]?.[0]).toMatch(
      /neither live nor soft-deleted in .* after 0\.\d s \(\d+ looks\)/,
    );
    expect(end.context.outcome?.summary).toMatch(/is in neither the live nor the deleted list of \S+, after 0\.\d s/);
    expect(end.context.outcome?.summary).toMatch(/cannot be decrypted/);
  });

  it("purge protection on and the key used recently: still missing after the look is 'not purged', never unrecoverable", async () => {
    const sb = sandbox();
    sb.store.update((w, now) => keyDeletionInProgress(60 * 60_000)(w, now));
    const end = await autoRun(
      startRun(definition, sb.azure, sb.target, actorsLooking(sb, { everyMs: 20, forMs: 100 })),
    );
    expect(String(end.value)).toBe("escalated");
    expect(end.context.outcome?.summary).toMatch(/is most likely not purged: purge protection/);
    expect(end.context.outcome?.nextSteps.join("\n")).toMatch(/Look again in a few minutes: acr-cmk recover/);
    expect(sb.world().counters.writes).toBe(0);
  });

  it("an abort during the look ends the run at once", async () => {
    const sb = sandbox({ scenario: "no-purge-protection" }, ["key-purged"]);
    const run = startRun(definition, sb.azure, sb.target, actorsLooking(sb, { everyMs: 50, forMs: 60_000 }));
    await until("the look at the key", () => String(run.snapshot().value) === "check-key");
    expect(String(run.snapshot().value)).toBe("check-key");
    const started = Date.now();
    run.actor.send({ type: "ABORT", by: "bob", reason: "drill over" });
    const end = await settled(run.actor, 2_000);
    expect(String(end.value)).toBe("aborted");
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
