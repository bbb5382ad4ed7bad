// A real actor with implementations swapped through `.provide()` (or the real ones over the sandbox) for the edges
// that matter at 3 a.m.: the abort signal reaches Azure, a resumed change does not run twice, key material never
// enters the snapshot, an approval for an old state of Azure is ignored, throttling is retried.
import { describe, expect, it } from "vitest";
import { createActor, type AnyStateMachine } from "xstate";
import type { CmkAzure } from "../../src/azure/types.js";
import { AzureFailure } from "../../src/azure/types.js";
import { RUNBOOKS } from "../../src/machines/index.js";
import { actorsFrom } from "../../src/machines/step-actors.js";
import { fingerprint, stableJson } from "../../src/machines/fingerprint.js";
import { parseKeyIdentifier } from "../../src/machines/facts.js";
import { autoRun, sandbox, settled, startRun, type RunSnapshot } from "./harness.js";
import { keyInUse } from "./world-changes.js";
import { until } from "../fixtures/until.js";

const target = { subscriptionId: "sub", resourceGroup: "rg", registry: "acr1" };

/** A port whose every call waits until aborted, recording the signal it was given. */
function hangingPort(seen: AbortSignal[]): CmkAzure {
  return new Proxy({ subscriptionId: "sub" } as CmkAzure, {
    get(t, prop) {
      if (prop === "subscriptionId") return t.subscriptionId;
      return (...args: unknown[]) => {
        const options = args[args.length - 1] as { abortSignal?: AbortSignal } | undefined;
        if (options?.abortSignal) seen.push(options.abortSignal);
        return new Promise((_resolve, reject) => {
          options?.abortSignal?.addEventListener("abort", () => reject(new AzureFailure("aborted", "network")));
        });
      };
    },
  });
}

/** Wraps a port so a test can observe or replace single calls. */
function spyPort(inner: CmkAzure, calls: string[], override: Partial<CmkAzure> = {}): CmkAzure {
  return new Proxy(inner, {
    get(t, prop) {
      const value =
        (override as Record<string | symbol, unknown>)[prop] ??
        (t as unknown as Record<string | symbol, unknown>)[prop];
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.push(String(prop));
        return (value as (...a: unknown[]) => unknown).apply(prop in override ? override : t, args);
      };
    },
  });
}

describe("actors over the port", () => {
  it("passes the actor's abort signal to the Azure call, and ABORT cancels it", async () => {
    const seen: AbortSignal[] = [];
    const run = startRun(RUNBOOKS["key-deleted"], hangingPort(seen), target);
    await until("the Azure call", () => seen.length > 0);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.aborted).toBe(false);
    run.actor.send({ type: "ABORT", by: "bob", reason: "wrong registry" });
    expect(run.snapshot().value).toBe("aborted");
    expect(seen[0]?.aborted).toBe(true);
  });

  it("turns a typed Azure failure into a resumable stop with the cause and the request id", async () => {
    const failing = new Proxy({ subscriptionId: "sub" } as CmkAzure, {
      get: (t, prop) =>
        prop === "subscriptionId"
          ? t.subscriptionId
          : async () => {
              throw new AzureFailure("Azure is throttling requests", "throttled", {
                statusCode: 429,
                requestId: "req-42",
              });
            },
    });
    const run = startRun(RUNBOOKS.rotate, failing, target);
    const s = await settled(run.actor);
    expect(s.value).toBe("failed");
    expect(s.context.lastError).toEqual({
      step: "check-rotation-mode",
      cause: "throttled",
      message: "Azure is throttling requests",
      requestId: "req-42",
    });
  });

  it("retries injected 429s inside the SDK and carries on", async () => {
    const sb = sandbox({}, ["access-revoked"]);
    sb.store.update(
      (w) => void w.settings.faults.push({ match: "https://", status: 429, retryAfterSeconds: 0, remaining: 2 }),
    );
    const end = await autoRun(startRun(RUNBOOKS.restore, sb.azure, sb.target));
    expect(String(end.value)).toBe("succeeded");
    expect(sb.world().settings.faults).toEqual([]);
  });

  it("stops at a resumable state with a clear message when 5xx outlast the retries, and RETRY finishes the job", async () => {
    const sb = sandbox({}, ["key-disabled"]);
    sb.store.update(
      (w) => void w.settings.faults.push({ match: "PATCH", status: 503, retryAfterSeconds: 0, remaining: 4 }),
    );
    const run = startRun(RUNBOOKS.restore, sb.azure, sb.target);
    const stopped = await autoRun(run);
    expect(String(stopped.value)).toBe("failed");
    expect(stopped.context.lastError).toMatchObject({ step: "enable-key", cause: "unavailable" });
    run.actor.send({ type: "RETRY", by: "bob" });
    const end = await autoRun(run);
    expect(String(end.value)).toBe("succeeded");
  });
});

describe("resume after a crash", () => {
  it("does not repeat a change whose effect is already in place", async () => {
    const sb = sandbox({}, ["key-deleted"]);
    const definition = RUNBOOKS["key-deleted"];
    const run = startRun(definition, sb.azure, sb.target);
    let atChange: unknown;
    run.actor.subscribe((s: { value: unknown }) => {
      // What the engine persists on entering a change state, before the side effect runs.
      if (s.value === "recover-key" && !atChange) atChange = run.actor.getPersistedSnapshot();
    });
    const first = await settled(run.actor);
    run.actor.send({ type: "APPROVE", by: "bob", fingerprint: String(first.context.pendingApproval?.fingerprint) });
    await settled(run.actor);
    run.actor.stop();
    expect(atChange).toBeDefined();

    const calls: string[] = [];
    const machine = (definition.machine as AnyStateMachine).provide({
      actors: definition.actors(spyPort(sb.azure, calls)) as never,
    });
    const writesBefore = sb.world().counters.writes;
    const resumed = createActor(machine, { snapshot: atChange as never });
    resumed.start();
    const s = await settled(resumed);
    expect(calls).not.toContain("recoverDeletedKey");
    expect(s.context.evidence["recover-key"]?.[0]).toMatch(/^Already in place/);
    expect(sb.world().counters.writes).toBe(writesBefore);
    resumed.stop();
  });

  it("refuses to act on an approval when Azure changed meanwhile, and asks again", async () => {
    const sb = sandbox({}, ["access-revoked"]);
    const run = startRun(RUNBOOKS.restore, sb.azure, sb.target);
    const asked = await settled(run.actor);
    const oldPrint = String(asked.context.pendingApproval?.fingerprint);
    // Someone else edits the identity's access policy (without fixing it) before the approval lands.
    sb.store.update((w) => {
      const vault = Object.values(w.vaults)[0];
      vault?.accessPolicies.push({
        tenantId: w.tenantId,
        objectId: "someone-else",
        permissions: { keys: ["list"], secrets: [], certificates: [] },
      });
      const principal = Object.values(w.identities)[0]?.principalId ?? "";
      vault?.accessPolicies.push({
        tenantId: w.tenantId,
        objectId: principal,
        permissions: { keys: ["list"], secrets: [], certificates: [] },
      });
    });
    run.actor.send({ type: "APPROVE", by: "bob", fingerprint: oldPrint });
    const again = await settled(run.actor);
    expect(String(again.value)).toBe("approve-grant-access");
    expect(again.context.pendingApproval?.fingerprint).not.toBe(oldPrint);
    expect(again.context.log.some((l) => l.level === "warn" && /approval is void/.test(l.message))).toBe(true);
    // The old approval, redelivered, changes nothing.
    run.actor.send({ type: "APPROVE", by: "bob", fingerprint: oldPrint });
    expect(String(run.snapshot().value)).toBe("approve-grant-access");
  });
});

describe("key material", () => {
  it("never puts the backup blob into the snapshot: size and digest only", async () => {
    const sb = sandbox();
    let blob: Uint8Array | undefined;
    const port = spyPort(sb.azure, [], {
      backupKey: async (vaultUrl: string, name: string, options?: { abortSignal?: AbortSignal }) => {
        blob = await sb.azure.backupKey(vaultUrl, name, options);
        return blob;
      },
    });
    const run = startRun(RUNBOOKS.revoke, port, sb.target);
    const end = await autoRun(run, { "choose-method": "access-policy" });
    expect(String(end.value)).toBe("succeeded");
    expect(blob && blob.byteLength).toBeGreaterThan(0);
    const persisted = JSON.stringify(run.actor.getPersistedSnapshot());
    const b64 = Buffer.from(blob as Uint8Array).toString("base64");
    const b64url = Buffer.from(blob as Uint8Array).toString("base64url");
    expect(persisted).not.toContain(b64.slice(0, 40));
    expect(persisted).not.toContain(b64url.slice(0, 40));
    expect(end.context.evidence["backup-key"]?.[0]).toMatch(
      new RegExp(`^Backup of ${(blob as Uint8Array).byteLength} bytes, digest [0-9a-f]{16}`),
    );
    expect(end.context.evidence["backup-key"]?.join("\n")).toContain(
      "az keyvault key backup --vault-name kv-acr-cmk-demo --name acr-cmk --file acr-cmk.keybackup",
    );
  });

  it("records exactly what revoke removed, with the command that puts it back", async () => {
    const sb = sandbox();
    const end = await autoRun(startRun(RUNBOOKS.revoke, sb.azure, sb.target), { "choose-method": "access-policy" });
    const before = end.context.before["revoke-access"] as {
      method: string;
      policy: { objectId: string; permissions: { keys: string[] } };
    };
    expect(before.method).toBe("access-policy");
    expect(before.policy.permissions.keys.map((k) => k.toLowerCase()).sort()).toEqual(["get", "unwrapkey", "wrapkey"]);
    expect(end.context.rollback).toContain(
      `az keyvault set-policy --name kv-acr-cmk-demo --object-id ${before.policy.objectId} --key-permissions ${before.policy.permissions.keys.join(" ")}`,
    );
    expect(keyInUse(sb.world()).version.enabled).toBe(true);
  });
});

describe("helpers", () => {
  it("fingerprints do not depend on key order and change with the state", () => {
    expect(fingerprint({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(fingerprint({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(fingerprint({ a: 1 })).not.toBe(fingerprint({ a: 2 }));
    expect(fingerprint({ a: 1 })).toMatch(/^[0-9a-f]{16}$/);
    expect(stableJson({ b: 1, a: undefined, c: null })).toBe('{"b":1,"c":null}');
  });

  it("parses versioned and versionless key ids, and refuses other URLs", () => {
    expect(parseKeyIdentifier("https://kv-x.vault.azure.net/keys/cmk/0123456789abcdef0123456789abcdef")).toEqual({
      vaultUrl: "https://kv-x.vault.azure.net/",
      vaultName: "kv-x",
      name: "cmk",
      version: "0123456789abcdef0123456789abcdef",
    });
    expect(parseKeyIdentifier("https://kv-x.vault.azure.net/keys/cmk")?.version).toBeUndefined();
    expect(parseKeyIdentifier("https://kv-x.vault.azure.net/secrets/cmk")).toBeNull();
    expect(parseKeyIdentifier("not a url")).toBeNull();
  });

  it("wraps step functions as actors named as the machine expects", () => {
    const actors = actorsFrom({ subscriptionId: "s" } as CmkAzure, { one: async () => ({ outcome: "x" }) });
    expect(Object.keys(actors)).toEqual(["one"]);
    for (const r of Object.values(RUNBOOKS)) {
      const provided = Object.keys(r.actors({ subscriptionId: "s" } as CmkAzure)).sort();
      const used = [
        ...new Set(r.spec.steps.flatMap((s) => (s.type === "invoke" || s.type === "change" ? [s.actor] : []))),
      ].sort();
      expect(provided, r.id).toEqual(expect.arrayContaining(used));
    }
  });

  it("the placeholder actors refuse to run without real implementations", async () => {
    const actor = createActor(RUNBOOKS.rotate.machine as AnyStateMachine, {
      input: { target, requester: "a", dryRun: false },
    });
    actor.start();
    const s = (await settled(actor)) as RunSnapshot;
    expect(s.value).toBe("failed");
    expect(s.context.lastError?.message).toMatch(/has no implementation/);
  });
});
