// restore and an expired key: expiry is judged by the clock Azure's state follows (the sandbox's own clock, moved by
// `sandbox advance`), and when Key Vault refuses to extend the key the run offers a new key version instead — the
// same steps and actors as `rotate`, each change behind an approval and a verification.
import { describe, expect, it } from "vitest";
import { RUNBOOKS } from "../../src/machines/index.js";
import { rotationSteps } from "../../src/machines/rotate.js";
import { worldNow } from "../../src/sandbox/clock.js";
import { advance, autoRun, groundTruth, sandbox, settled, startRun, type Sandbox } from "./harness.js";
import { keyInUse, registryOf, setOperatorKeyUpdate } from "./world-changes.js";

const DAY = 86_400_000;

/** The key in use expires in `days` days of real time. */
function expiresIn(sb: Sandbox, days: number): void {
  sb.store.update((w) => void (keyInUse(w).version.exp = new Date(Date.now() + days * DAY).toISOString()));
}

describe("expiry is judged by the clock Azure's state follows", () => {
  it("after `sandbox advance` past the expiry, restore with the sandbox clock extends the key and the registry is healthy", async () => {
    const sb = sandbox();
    expiresIn(sb, 30);
    advance(sb, 60 * DAY);
    expect(groundTruth(sb).reason).toMatch(/expired/);
    const definition = RUNBOOKS.restore;
    const actors = definition.actors(sb.azure, { now: () => worldNow(sb.world()) });
    const end = await autoRun(startRun(definition, sb.azure, sb.target, actors));
    expect(String(end.value), end.context.lastError?.message).toBe("succeeded");
    // The extension ran (its before-state was recorded), approved like any change.
    expect(end.context.before["extend-key"]).toMatchObject({ expiresOn: expect.any(String) });
    expect(end.context.approved["extend-key"]?.by).toBe("bob@example.com");
    // One year from the sandbox's now, not from the wall clock's.
    const expires = Date.parse(String(keyInUse(sb.world()).version.exp));
    expect(Math.abs(expires - (worldNow(sb.world()).getTime() + 365 * DAY))).toBeLessThan(60_000);
    expect(groundTruth(sb)).toEqual({ healthy: true, reason: null });
  });

  it("without an injected clock the actors fall back to the wall clock (what the engine gets today)", async () => {
    const sb = sandbox();
    expiresIn(sb, 30);
    advance(sb, 60 * DAY);
    const end = await autoRun(startRun(RUNBOOKS.restore, sb.azure, sb.target));
    expect(end.context.evidence["check-key-state"]?.[0]).toMatch(/is enabled and not expired/);
  });

  it("a key that the sandbox clock says is still valid is left alone even if the wall clock is past its expiry", async () => {
    const sb = sandbox();
    expiresIn(sb, -1);
    const actors = RUNBOOKS.restore.actors(sb.azure, { now: () => new Date(Date.now() - 10 * DAY) });
    const run = startRun(RUNBOOKS.restore, sb.azure, sb.target, actors);
    const end = await autoRun(run);
    expect(end.context.evidence["check-key-state"]?.[0]).toMatch(/is enabled and not expired/);
    expect(run.visited).not.toContain("approve-extend-key");
  });
});

describe("when Key Vault refuses to extend an expired key", () => {
  it("reuses rotate's steps, not a copy of them", () => {
    const restoreIds = RUNBOOKS.restore.spec.steps.map((s) => s.id);
    for (const step of rotationSteps("check-key-state")) expect(restoreIds).toContain(step.id);
    const rotateActors = Object.keys(RUNBOOKS.rotate.stepFunctions(sandbox().azure));
    const restoreActors = RUNBOOKS.restore.stepFunctions(sandbox().azure);
    for (const name of ["checkRotationMode", "createKeyVersion", "verifyNewVersion", "checkPickup", "rotateKey"]) {
      expect(rotateActors).toContain(name);
      expect(restoreActors[name]).toBe(RUNBOOKS.rotate.stepFunctions(sandbox().azure)[name]);
    }
  });

  it("stops at an offer, not at an error, and says nothing changed", async () => {
    const sb = sandbox({}, ["key-expired"]);
    sb.store.update((w) => setOperatorKeyUpdate(w, false));
    const run = startRun(RUNBOOKS.restore, sb.azure, sb.target);
    let s = await settled(run.actor);
    expect(String(s.value)).toBe("approve-extend-key");
    const writes = sb.world().counters.writes;
    run.actor.send({ type: "APPROVE", by: "bob", fingerprint: String(s.context.pendingApproval?.fingerprint) });
    s = await settled(run.actor);
    expect(String(s.value)).toBe("offer-new-key-version");
    expect(s.context.pendingInput?.options.map((o) => o.id)).toEqual(["replace", "stop"]);
    expect(s.context.pendingInput?.defaultOption).toBe("replace");
    expect(s.context.evidence["extend-key"]?.[0]).toMatch(/Key Vault refused to extend key acr-cmk .*Nothing changed/);
    expect(s.context.lastError).toMatchObject({ step: "extend-key", cause: "refused" });
    expect(s.context.rollback).toEqual([]);
    expect(sb.world().counters.writes).toBe(writes);
  });

  it("versionless registry: a new version behind approval, then the wait for pickup, then healthy", async () => {
    const sb = sandbox({}, ["key-expired"]);
    sb.store.update((w) => setOperatorKeyUpdate(w, false));
    const expired = keyInUse(sb.world()).version.version;
    let waits = 0;
    const run = startRun(RUNBOOKS.restore, sb.azure, sb.target);
    const end = await autoRun(run, {}, () => {
      if (++waits === 1) advance(sb, 61 * 60 * 1000);
    });
    expect(String(end.value), end.context.lastError?.message).toBe("succeeded");
    expect(waits).toBeGreaterThanOrEqual(1);
    expect(run.visited).toEqual(
      expect.arrayContaining([
        "offer-new-key-version",
        "approve-create-key-version",
        "create-key-version",
        "verify-create-key-version",
        "wait-pickup",
      ]),
    );
    expect(run.visited).not.toContain("approve-rotate-key");
    expect(end.context.approved["create-key-version"]?.by).toBe("bob@example.com");
    const now = keyInUse(sb.world()).version;
    expect(now.version).not.toBe(expired);
    expect(now.version).toBe(end.context.facts.newKeyVersion);
    expect(end.context.lastError).toBeUndefined();
    expect(groundTruth(sb)).toEqual({ healthy: true, reason: null });
    expect(sb.world().counters.purgeRequests).toBe(0);
  });

  it("pinned registry: rotate-key to the new version behind approval and verify, with the exact way back", async () => {
    const sb = sandbox({ keyVersion: "pinned" }, ["key-expired"]);
    sb.store.update((w) => setOperatorKeyUpdate(w, false));
    const before = { ...registryOf(sb.world()).encryption };
    const run = startRun(RUNBOOKS.restore, sb.azure, sb.target);
    const end = await autoRun(run);
    expect(String(end.value), end.context.lastError?.message).toBe("succeeded");
    expect(run.visited).toEqual(
      expect.arrayContaining(["approve-create-key-version", "approve-rotate-key", "rotate-key", "verify-rotate-key"]),
    );
    const after = registryOf(sb.world()).encryption;
    expect(after.keyIdentifier).toMatch(new RegExp(`/${end.context.facts.newKeyVersion}$`));
    expect(end.context.rollback).toEqual([
      `az acr encryption rotate-key --name ${sb.target.registry} --resource-group ${sb.target.resourceGroup} --key-encryption-key ${before.keyIdentifier} --identity ${before.identity}`,
    ]);
    expect(groundTruth(sb)).toEqual({ healthy: true, reason: null });
  });

  it("choosing to stop leaves a resumable stop; RETRY extends once Key Vault allows it", async () => {
    const sb = sandbox({}, ["key-expired"]);
    sb.store.update((w) => setOperatorKeyUpdate(w, false));
    const run = startRun(RUNBOOKS.restore, sb.azure, sb.target);
    const stopped = await autoRun(run, { "offer-new-key-version": "stop" });
    expect(String(stopped.value)).toBe("failed");
    expect(stopped.context.lastError).toMatchObject({ step: "extend-key", cause: "refused" });
    sb.store.update((w) => setOperatorKeyUpdate(w, true));
    run.actor.send({ type: "RETRY", by: "bob" });
    const end = await autoRun(run);
    expect(String(end.value), end.context.lastError?.message).toBe("succeeded");
    expect(end.context.facts.newKeyVersion).toBeUndefined();
    expect(groundTruth(sb)).toEqual({ healthy: true, reason: null });
  });
});
