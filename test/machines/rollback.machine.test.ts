// What a run offers as "undo" must put back the exact before-state and never destroy anything: a recovery has nothing
// to undo (its "undo" would delete the vault or key again), and every other rollback is the precise inverse.
import { describe, expect, it } from "vitest";
import { RUNBOOKS } from "../../src/machines/index.js";
import type { RunbookId } from "../../src/diagnosis/types.js";
import type { ScenarioOptions } from "../../src/sandbox/scenarios.js";
import { advance, autoRun, sandbox, startRun } from "./harness.js";
import { addRole, principalOf, registryOf, vaultOf } from "./world-changes.js";

/** Commands that delete, purge or cut off what holds the registry's data: never a rollback. */
const DESTRUCTIVE = [
  /az keyvault delete\s/,
  /az keyvault key delete\s/,
  /\bpurge\b/,
  /--enabled false/,
  /az acr identity remove\b.*id-acr-cmk/,
];

describe("a recovery has nothing to undo", () => {
  it.each([
    ["key-deleted", "recover-key", /recovering key acr-cmk brings back what was deleted/],
    ["vault-deleted", "recover-vault", /recovering key vault kv-acr-cmk-demo brings back what was deleted/],
  ])("%s: no delete command is offered, and the run says why", async (incident, step, reason) => {
    const sb = sandbox({}, [incident]);
    const end = await autoRun(startRun(RUNBOOKS["key-deleted"], sb.azure, sb.target));
    expect(String(end.value)).toBe("succeeded");
    expect(end.context.rollback.filter((c) => /delete/.test(c))).toEqual([]);
    expect(end.context.evidence[step]?.join("\n")).toMatch(reason);
    expect(end.context.log.some((l) => l.message.startsWith(`${step}: Nothing to undo:`))).toBe(true);
  });

  it("the role a recovered RBAC vault lost is put back as part of the recovery: no command that deletes it again", async () => {
    const sb = sandbox({ access: "rbac" }, ["vault-deleted"]);
    const end = await autoRun(startRun(RUNBOOKS["key-deleted"], sb.azure, sb.target));
    expect(String(end.value)).toBe("succeeded");
    expect(end.context.rollback).toEqual([]);
    expect(end.context.evidence["grant-access"]?.join("\n")).toMatch(
      /Nothing to undo: this puts back the key access .*role assignments do not come back/,
    );
  });

  it("re-assigning the registry's own encryption identity is a recovery too: no `az acr identity remove` for it", async () => {
    const sb = sandbox({}, ["identity-removed"]);
    const end = await autoRun(startRun(RUNBOOKS["identity-removed"], sb.azure, sb.target));
    expect(String(end.value)).toBe("succeeded");
    expect(end.context.rollback).toEqual([]);
    expect(end.context.evidence["reassign-identity"]?.join("\n")).toMatch(/Nothing to undo: re-assigning/);
  });

  it("a new key version is never rolled back by disabling it: the registry would lose its key", async () => {
    const sb = sandbox({ keyVersion: "pinned" });
    const end = await autoRun(startRun(RUNBOOKS.rotate, sb.azure, sb.target));
    expect(String(end.value)).toBe("succeeded");
    expect(end.context.rollback.join("\n")).not.toMatch(/--enabled false/);
    expect(end.context.evidence["create-key-version"]?.join("\n")).toMatch(/Nothing to undo: a new key version/);
  });
});

describe("every rollback, across every incident and round trip, is non-destructive", () => {
  const runs: Array<[string, RunbookId, ScenarioOptions, string[], Record<string, string>]> = [
    ["key-deleted", "key-deleted", {}, ["key-deleted"], {}],
    ["vault-deleted (rbac)", "key-deleted", { access: "rbac" }, ["vault-deleted"], {}],
    ["identity-removed", "identity-removed", {}, ["identity-removed"], {}],
    ["firewall-403", "firewall-403", {}, ["firewall-403"], {}],
    ["access-revoked", "restore", {}, ["access-revoked"], {}],
    ["key-disabled", "restore", {}, ["key-disabled"], {}],
    ["key-expired", "restore", {}, ["key-expired"], {}],
    ["revoke by policy", "revoke", {}, [], { "choose-method": "access-policy" }],
    ["revoke by role", "revoke", { access: "rbac" }, [], { "choose-method": "role-assignment" }],
    ["rotate (pinned)", "rotate", { keyVersion: "pinned" }, [], {}],
  ];
  it.each(runs)("%s", async (_name, runbook, scenario, incidents, choices) => {
    const sb = sandbox(scenario, incidents);
    const end = await autoRun(startRun(RUNBOOKS[runbook], sb.azure, sb.target), choices);
    expect(String(end.value), end.context.lastError?.message).toBe("succeeded");
    for (const command of end.context.rollback) {
      for (const pattern of DESTRUCTIVE) {
        // Re-disabling a key that restore re-enabled is the exact before-state, not a loss of data.
        if (runbook === "restore" && pattern.source === "--enabled false") continue;
        expect(command, `${runbook} rollback`).not.toMatch(pattern);
      }
    }
  });
});

describe("each rollback restores the exact before-state", () => {
  it("revoke re-adds the removed access policy entry with every permission it had, not just the key ones", async () => {
    const sb = sandbox();
    const principal = principalOf(sb.world());
    sb.store.update((w) => {
      const entry = vaultOf(w).accessPolicies.find((p) => p.objectId === principal);
      if (!entry) throw new Error("no policy for the registry's identity");
      entry.permissions.secrets = ["get", "list"];
      entry.permissions.certificates = ["get"];
    });
    const end = await autoRun(startRun(RUNBOOKS.revoke, sb.azure, sb.target), { "choose-method": "access-policy" });
    expect(String(end.value)).toBe("succeeded");
    expect(end.context.rollback).toEqual([
      `az keyvault set-policy --name kv-acr-cmk-demo --object-id ${principal} --key-permissions get wrapKey unwrapKey --secret-permissions get list --certificate-permissions get`,
    ]);
  });

  it("revoke re-creates a role assignment with its principal type, role and scope", async () => {
    const sb = sandbox({ access: "rbac" });
    const end = await autoRun(startRun(RUNBOOKS.revoke, sb.azure, sb.target), { "choose-method": "role-assignment" });
    const vaultId = vaultOf(sb.world()).id;
    expect(end.context.rollback).toEqual([
      `az role assignment create --assignee-object-id ${principalOf(sb.world())} --assignee-principal-type ServicePrincipal --role e147488a-f6f5-4113-8e2d-b22465e65bf6 --scope ${vaultId}`,
    ]);
  });

  it("a grant on an existing policy entry puts back exactly the key permissions it had", async () => {
    const sb = sandbox();
    const principal = principalOf(sb.world());
    sb.store.update((w) => {
      const entry = vaultOf(w).accessPolicies.find((p) => p.objectId === principal);
      if (entry) entry.permissions.keys = ["list"];
    });
    const end = await autoRun(startRun(RUNBOOKS.restore, sb.azure, sb.target));
    expect(String(end.value)).toBe("succeeded");
    expect(end.context.rollback).toEqual([
      `az keyvault set-policy --name kv-acr-cmk-demo --object-id ${principal} --key-permissions list`,
    ]);
  });

  it("a grant on an entry with no key permissions at all re-creates it without them (never a made-up 'get')", async () => {
    const sb = sandbox();
    const principal = principalOf(sb.world());
    sb.store.update((w) => {
      const entry = vaultOf(w).accessPolicies.find((p) => p.objectId === principal);
      if (entry) Object.assign(entry.permissions, { keys: [], secrets: ["get"] });
    });
    const end = await autoRun(startRun(RUNBOOKS.restore, sb.azure, sb.target));
    expect(end.context.rollback).toEqual([
      `az keyvault delete-policy --name kv-acr-cmk-demo --object-id ${principal} && az keyvault set-policy --name kv-acr-cmk-demo --object-id ${principal} --secret-permissions get`,
    ]);
  });

  it("an RBAC grant is undone by deleting exactly the assignment it created, listed once", async () => {
    const sb = sandbox({ access: "rbac" }, ["access-revoked"]);
    // An unrelated role of the same identity stays out of the rollback.
    sb.store.update((w) => addRole(w, principalOf(w), "21090545-7ca7-4776-b22c-e363652d74d2"));
    const end = await autoRun(startRun(RUNBOOKS.restore, sb.azure, sb.target));
    expect(String(end.value)).toBe("succeeded");
    expect(end.context.rollback).toHaveLength(1);
    expect(end.context.rollback[0]).toMatch(/^az role assignment delete --ids \/subscriptions\/.+\/roleAssignments\//);
  });

  it("manual rotation is undone by rotate-key back to the exact key id and identity configured before", async () => {
    const sb = sandbox({ keyVersion: "pinned" });
    const before = registryOf(sb.world()).encryption;
    const end = await autoRun(startRun(RUNBOOKS.rotate, sb.azure, sb.target));
    expect(end.context.rollback).toEqual([
      `az acr encryption rotate-key --name ${sb.target.registry} --resource-group ${sb.target.resourceGroup} --key-encryption-key ${before.keyIdentifier} --identity ${before.identity}`,
    ]);
  });

  it("automatic rotation offers no command at all: the older versions stay usable", async () => {
    const sb = sandbox();
    let waits = 0;
    const end = await autoRun(startRun(RUNBOOKS.rotate, sb.azure, sb.target), {}, () => {
      if (++waits === 1) advance(sb, 61 * 60 * 1000);
    });
    expect(String(end.value)).toBe("succeeded");
    expect(end.context.rollback).toEqual([]);
  });
});
