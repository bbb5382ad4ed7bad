// A key that is still being deleted must never be called purged (Key Vault's soft delete is eventually consistent):
// the key-deleted runbook looks again before it concludes, and says what it checked.
import { KeyClient } from "@azure/keyvault-keys";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { CmkAzure } from "../../src/azure/types.js";
import { createSandboxCredential } from "../../src/azure/credentials.js";
import { createSandboxHttpClient } from "../../src/azure/sandbox-transport.js";
import { RUNBOOKS } from "../../src/machines/index.js";
import { createSandboxHandler } from "../../src/sandbox/handler.js";
import { autoRun, groundTruth, sandbox, startRun, type Sandbox } from "./harness.js";
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

/** The same Azure, recording the name of every call as it starts, and how many have not answered yet. */
function countingCalls(inner: CmkAzure): { azure: CmkAzure; calls: string[]; inFlight: () => number } {
  const calls: string[] = [];
  let inFlight = 0;
  const answered = () => void inFlight--;
  const azure = new Proxy(inner, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.push(String(property));
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (result instanceof Promise) {
          inFlight++;
          result.then(answered, answered);
        }
        return result;
      };
    },
  });
  return { azure, calls, inFlight: () => inFlight };
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

  afterEach(() => {
    vi.useRealTimers();
  });

  it("an abort during the look ends the run at once, and the look with it", async () => {
    // The look's pauses on a fake clock that still follows real time (the SDK's own timers keep working), so that
    // after the abort every pause still pending can be run to its end at once.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"], shouldAdvanceTime: true, advanceTimeDelta: 5 });
    const sb = sandbox({ scenario: "no-purge-protection" }, ["key-purged"]);
    const everyMs = 50;
    const { azure, calls, inFlight } = countingCalls(sb.azure);
    const run = startRun(
      definition,
      azure,
      sb.target,
      definition.actors(azure, { missingKeyLook: { everyMs, forMs: 60_000 } }),
    );
    // Abort in a pause between looks (no read in flight), where only the abort signal can end the look.
    await until(
      "a pause after the second look",
      () => calls.filter((c) => c === "getDeletedKey").length >= 2 && inFlight() === 0,
    );
    expect(String(run.snapshot().value)).toBe("check-key");
    run.actor.send({ type: "ABORT", by: "bob", reason: "drill over" });
    // Taken in the same turn: the run does not wait for the look's pause or read to end.
    expect(String(run.actor.getSnapshot().value)).toBe("aborted");
    const callsAtAbort = calls.length;
    // A look still going would read again when its pause ends: run three pauses' worth of timers, and their callbacks.
    await vi.advanceTimersByTimeAsync(3 * everyMs);
    expect(calls.slice(callsAtAbort)).toEqual([]);
  });
});
