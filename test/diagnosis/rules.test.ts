import { describe, expect, it } from "vitest";
import { runRules } from "../../src/diagnosis/rules/index.js";
import type { Finding } from "../../src/diagnosis/types.js";
import type { DiagnosisSnapshot } from "../../src/diagnosis/snapshot.js";
import {
  NOW,
  SUB,
  SYSTEM_PRINCIPAL,
  UAI_CLIENT,
  UAI_ID,
  UAI_PRINCIPAL,
  V1,
  V2,
  VAULT_ID,
  VAULT_URL,
  healthy,
  key,
  notFound,
  registry,
  userIdentity,
  vault,
  version,
} from "./snapshots.js";

const ids = (s: DiagnosisSnapshot): string[] => runRules(s).map((f) => f.id);
const find = (s: DiagnosisSnapshot, id: string): Finding => {
  const finding = runRules(s).find((f) => f.id === id);
  if (!finding) throw new Error(`no ${id} in ${ids(s).join(", ")}`);
  return finding;
};
const daysFromNow = (days: number) => new Date(Date.parse(NOW) + days * 86_400_000).toISOString();

describe("a healthy registry", () => {
  it("has no findings at all", () => {
    expect(runRules(healthy())).toEqual([]);
  });
});

describe("vault rules", () => {
  const deletedVault = (s: DiagnosisSnapshot) => {
    s.vault = { ok: true, value: null };
    s.key = { ok: false, error: { kind: "network", message: "getaddrinfo ENOTFOUND kv-acr.vault.azure.net" } };
    s.keyVersions = s.key;
  };

  it("a live vault missing and a deleted record found is VAULT_SOFT_DELETED → key-deleted", () => {
    const s = healthy((s) => {
      deletedVault(s);
      s.deletedVault = {
        ok: true,
        value: {
          id: "x",
          name: "kv-acr",
          vaultId: VAULT_ID,
          location: "westeurope",
          scheduledPurgeDate: "2026-05-01T00:00:00Z",
          purgeProtectionEnabled: true,
        },
      };
    });
    const f = find(s, "VAULT_SOFT_DELETED");
    expect(f).toMatchObject({
      severity: "critical",
      runbook: "key-deleted",
      command: "acr-cmk run key-deleted -g rg-acr -r acrprod",
    });
    expect(f.detail).toContain("2026-05-01");
    // The key's own read failed only because the vault is gone: no key finding, no "check incomplete".
    expect(ids(s)).not.toContain("KEY_PURGED");
    expect(ids(s)).not.toContain("CHECK_INCOMPLETE");
  });

  it("no live and no deleted vault is VAULT_PURGED (purged or never existed) → key-deleted", () => {
    const s = healthy((s) => {
      deletedVault(s);
      s.deletedVault = { ok: true, value: null };
    });
    const f = find(s, "VAULT_PURGED");
    expect(f).toMatchObject({ severity: "critical", runbook: "key-deleted" });
    expect(f.detail).toMatch(/purged, or it never existed/);
    expect(ids(s)).not.toContain("VAULT_SOFT_DELETED");
  });

  it("a vault not in this subscription whose key still answers is not called purged", () => {
    const s = healthy((s) => {
      s.vault = { ok: true, value: null };
      s.deletedVault = { ok: true, value: null };
    });
    expect(ids(s)).toEqual(["VAULT_OUTSIDE_SUBSCRIPTION"]);
  });

  it("purge protection off and soft delete off are warnings with the az fix and no runbook", () => {
    const s = healthy(
      (s) => (s.vault = { ok: true, value: vault({ enablePurgeProtection: false, enableSoftDelete: false }) }),
    );
    expect(find(s, "PURGE_PROTECTION_OFF")).toMatchObject({ severity: "warning", runbook: null });
    expect(find(s, "PURGE_PROTECTION_OFF").command).toBe(
      "az keyvault update --name kv-acr --resource-group rg-keys --enable-purge-protection true",
    );
    expect(find(s, "SOFT_DELETE_OFF")).toMatchObject({ severity: "warning", runbook: null });
  });
});

describe("key rules", () => {
  it("key not found with a deleted record is KEY_SOFT_DELETED → key-deleted", () => {
    const s = healthy((s) => {
      s.key = notFound();
      s.keyVersions = notFound();
      s.deletedKey = {
        ok: true,
        value: { ...key(), recoveryId: `${VAULT_URL}deletedkeys/acr-key`, scheduledPurgeDate: "2026-05-30T00:00:00Z" },
      };
    });
    expect(find(s, "KEY_SOFT_DELETED")).toMatchObject({ severity: "critical", runbook: "key-deleted" });
    expect(find(s, "KEY_SOFT_DELETED").evidence).toMatchObject({ keyGet: { code: "KeyNotFound", statusCode: 404 } });
    expect(ids(s)).not.toContain("KEY_PURGED");
  });

  it("key not found and no deleted record yet is KEY_MISSING, not KEY_PURGED: the deletion may still be finishing", () => {
    const s = healthy((s) => {
      s.key = notFound();
      s.keyVersions = notFound();
      s.deletedKey = { ok: true, value: null };
    });
    const f = find(s, "KEY_MISSING");
    expect(f).toMatchObject({ severity: "critical", runbook: "key-deleted" });
    expect(f.title).toMatch(/neither live nor soft-deleted \(yet\)/);
    expect(f.detail).toMatch(/Look again in a minute/);
    expect(f.detail).toMatch(/Purge protection is on/);
    expect(ids(s)).not.toContain("KEY_PURGED");
    expect(ids(s)).not.toContain("KEY_SOFT_DELETED");
  });

  it("key not found and no deleted record in a vault without soft delete is KEY_PURGED → key-deleted", () => {
    const s = healthy((s) => {
      s.vault = { ok: true, value: vault({ enableSoftDelete: false, enablePurgeProtection: false }) };
      s.key = notFound();
      s.keyVersions = notFound();
      s.deletedKey = { ok: true, value: null };
    });
    expect(find(s, "KEY_PURGED")).toMatchObject({ severity: "critical", runbook: "key-deleted" });
    expect(ids(s)).not.toContain("KEY_MISSING");
  });

  it("the version in use disabled is KEY_DISABLED → restore", () => {
    const s = healthy((s) => {
      s.key = { ok: true, value: key({ enabled: false }) };
      s.keyVersions = { ok: true, value: [version({ enabled: false })] };
    });
    expect(find(s, "KEY_DISABLED")).toMatchObject({
      severity: "critical",
      runbook: "restore",
      command: "acr-cmk restore -g rg-acr -r acrprod",
    });
  });

  it("an older pinned version disabled while the latest is enabled is KEY_VERSION_DISABLED", () => {
    const s = healthy((s) => {
      s.key = {
        ok: true,
        value: key({ version: V2, id: `${VAULT_URL}keys/acr-key/${V2}`, createdOn: "2026-02-01T00:00:00Z" }),
      };
      s.keyVersions = {
        ok: true,
        value: [version({ enabled: false }), version({ version: V2, createdOn: "2026-02-01T00:00:00Z" })],
      };
    });
    expect(find(s, "KEY_VERSION_DISABLED")).toMatchObject({ severity: "critical", runbook: "restore" });
    expect(ids(s)).not.toContain("KEY_DISABLED");
  });

  it("a disabled version that is not in use says nothing", () => {
    const s = healthy((s) => {
      s.keyVersions = {
        ok: true,
        value: [version(), version({ version: "c".repeat(32), enabled: false, createdOn: "2024-01-01T00:00:00Z" })],
      };
    });
    expect(runRules(s)).toEqual([]);
  });

  it("expired is KEY_EXPIRED → restore; within 30 days is KEY_EXPIRING_SOON → rotate; later is nothing", () => {
    const expired = healthy((s) => (s.keyVersions = { ok: true, value: [version({ expiresOn: daysFromNow(-1) })] }));
    expect(find(expired, "KEY_EXPIRED")).toMatchObject({ severity: "critical", runbook: "restore" });
    expect(ids(expired)).not.toContain("KEY_EXPIRING_SOON");

    const soon = healthy((s) => (s.keyVersions = { ok: true, value: [version({ expiresOn: daysFromNow(12) })] }));
    expect(find(soon, "KEY_EXPIRING_SOON")).toMatchObject({
      severity: "warning",
      runbook: "rotate",
      command: "acr-cmk rotate -g rg-acr -r acrprod",
    });
    expect(find(soon, "KEY_EXPIRING_SOON").title).toContain("12 day");

    const later = healthy((s) => (s.keyVersions = { ok: true, value: [version({ expiresOn: daysFromNow(31) })] }));
    expect(runRules(later)).toEqual([]);
  });

  it("an EC key is KEY_TYPE_UNSUPPORTED; RSA-HSM is fine", () => {
    expect(
      find(
        healthy((s) => (s.key = { ok: true, value: key({ keyType: "EC" }) })),
        "KEY_TYPE_UNSUPPORTED",
      ),
    ).toMatchObject({
      severity: "critical",
      runbook: "rotate",
    });
    expect(runRules(healthy((s) => (s.key = { ok: true, value: key({ keyType: "RSA-HSM" }) })))).toEqual([]);
  });

  it("an unparseable key id is KEY_IDENTIFIER_INVALID", () => {
    const s = healthy((s) => {
      delete s.keyRef;
      s.keyIdentifierProblem = "invalid key id 'x': expected https://<vault>.vault.azure.net/keys/<name>[/<version>]";
    });
    expect(find(s, "KEY_IDENTIFIER_INVALID").severity).toBe("critical");
  });
});

describe("identity rules", () => {
  it("a UAI the registry no longer lists, found in the subscription, is IDENTITY_NOT_ASSIGNED → identity-removed", () => {
    const s = healthy((s) => {
      s.registry = registry({ identity: { type: "None", userAssigned: [] } });
      s.identity = {
        kind: "user",
        clientId: UAI_CLIENT,
        unassignedMatch: {
          ok: true,
          value: userIdentity(),
        },
      };
    });
    const f = find(s, "IDENTITY_NOT_ASSIGNED");
    expect(f).toMatchObject({
      severity: "critical",
      runbook: "identity-removed",
      command: "acr-cmk run identity-removed -g rg-acr -r acrprod",
    });
    expect(f.detail).toContain(`az acr identity assign -n acrprod -g rg-acr --identities ${UAI_ID}`);
  });

  it("a UAI that is assigned but whose resource is gone is IDENTITY_RESOURCE_MISSING", () => {
    const s = healthy((s) => {
      if (s.identity?.kind === "user") s.identity.resource = notFound("not-found");
    });
    expect(find(s, "IDENTITY_RESOURCE_MISSING")).toMatchObject({ severity: "critical", runbook: "identity-removed" });
    expect(ids(s)).not.toContain("CHECK_INCOMPLETE");
  });

  it("system identity used but missing is SYSTEM_IDENTITY_MISSING → identity-removed; present is fine", () => {
    const missing = healthy((s) => {
      s.registry = registry({ identity: { type: "UserAssigned", userAssigned: [] } });
      s.identity = { kind: "system", configured: "system" };
    });
    expect(find(missing, "SYSTEM_IDENTITY_MISSING")).toMatchObject({
      severity: "critical",
      runbook: "identity-removed",
    });

    const present = healthy((s) => {
      s.identity = { kind: "system", configured: "system", principalId: SYSTEM_PRINCIPAL };
      s.vault = {
        ok: true,
        value: vault({
          accessPolicies: [
            {
              tenantId: "t",
              objectId: SYSTEM_PRINCIPAL,
              permissions: { keys: ["all"], secrets: [], certificates: [] },
            },
          ],
        }),
      };
    });
    expect(runRules(present)).toEqual([]);
  });
});

describe("access rules", () => {
  const withPolicyKeys = (keys: string[]) =>
    healthy((s) => {
      s.vault = {
        ok: true,
        value: vault({
          accessPolicies: keys.length
            ? [{ tenantId: "t", objectId: UAI_PRINCIPAL, permissions: { keys, secrets: [], certificates: [] } }]
            : [],
        }),
      };
    });

  it("no access policy for the identity is ACCESS_MISSING → restore", () => {
    const f = find(withPolicyKeys([]), "ACCESS_MISSING");
    expect(f).toMatchObject({ severity: "critical", runbook: "restore" });
    expect(f.detail).toContain(
      `az keyvault set-policy --name kv-acr --object-id ${UAI_PRINCIPAL} --key-permissions get unwrapKey wrapKey`,
    );
  });

  it("a policy without unwrapKey is ACCESS_PARTIAL naming unwrapKey", () => {
    const f = find(withPolicyKeys(["Get", "WrapKey"]), "ACCESS_PARTIAL");
    expect(f.title).toContain("unwrapKey");
    expect(f.evidence).toMatchObject({ missing: ["unwrapKey"] });
  });

  it("permission names are case-insensitive and 'all' counts", () => {
    expect(runRules(withPolicyKeys(["GET", "WRAPKEY", "UNWRAPKEY"]))).toEqual([]);
    expect(runRules(withPolicyKeys(["all"]))).toEqual([]);
  });

  const rbac = (assignments: Array<{ role: string; scope?: string; principalId?: string }>) =>
    healthy((s) => {
      s.vault = { ok: true, value: vault({ enableRbacAuthorization: true, accessPolicies: [] }) };
      s.roleAssignments = {
        ok: true,
        value: assignments.map((a, i) => ({
          id: `${VAULT_ID}/providers/Microsoft.Authorization/roleAssignments/${i}`,
          name: String(i),
          scope: a.scope ?? VAULT_ID,
          roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${a.role}`,
          principalId: a.principalId ?? UAI_PRINCIPAL,
        })),
      };
    });

  it("RBAC: Crypto Service Encryption User at vault or subscription scope is enough", () => {
    expect(runRules(rbac([{ role: "e147488a-f6f5-4113-8e2d-b22465e65bf6" }]))).toEqual([]);
    expect(runRules(rbac([{ role: "e147488a-f6f5-4113-8e2d-b22465e65bf6", scope: `/subscriptions/${SUB}` }]))).toEqual(
      [],
    );
  });

  it("RBAC: no role is ACCESS_MISSING naming the role; someone else's role does not count", () => {
    const f = find(
      rbac([{ role: "e147488a-f6f5-4113-8e2d-b22465e65bf6", principalId: "someone-else" }]),
      "ACCESS_MISSING",
    );
    expect(f.detail).toContain("Key Vault Crypto Service Encryption User");
    expect(f.runbook).toBe("restore");
  });

  it("RBAC: Key Vault Reader only is ACCESS_PARTIAL missing wrapKey and unwrapKey", () => {
    const f = find(rbac([{ role: "21090545-7ca7-4776-b22c-e363652d74d2" }]), "ACCESS_PARTIAL");
    expect(f.evidence).toMatchObject({ missing: ["wrapKey", "unwrapKey"], roles: ["Key Vault Reader"] });
  });

  it("RBAC: role assignments that could not be listed are ACCESS_UNVERIFIED, not ACCESS_MISSING", () => {
    const s = rbac([]);
    s.roleAssignments = {
      ok: false,
      error: { kind: "authorization-failed", statusCode: 403, code: "AuthorizationFailed", message: "no" },
    };
    expect(ids(s)).toEqual(["ACCESS_UNVERIFIED"]);
  });
});

describe("network rules", () => {
  it("Deny without trusted services is FIREWALL_BLOCKS_REGISTRY → firewall-403", () => {
    const s = healthy((s) => {
      s.vault = {
        ok: true,
        value: vault({ networkAcls: { defaultAction: "Deny", bypass: "None", ipRules: [], virtualNetworkRules: [] } }),
      };
      s.dataPlane = { ok: true, value: { ok: false, status: 403, code: "DENIED" } };
    });
    const f = find(s, "FIREWALL_BLOCKS_REGISTRY");
    expect(f).toMatchObject({
      severity: "critical",
      runbook: "firewall-403",
      evidence: { defaultAction: "Deny", bypass: "None" },
    });
    // The symptom comes after its cause and names it.
    expect(ids(s).indexOf("FIREWALL_BLOCKS_REGISTRY")).toBeLessThan(ids(s).indexOf("REGISTRY_DATA_UNREADABLE"));
    expect(find(s, "REGISTRY_DATA_UNREADABLE").detail).toContain("FIREWALL_BLOCKS_REGISTRY");
  });

  it("Deny with trusted services and a registry that reads fine is healthy", () => {
    const s = healthy((s) => {
      s.vault = {
        ok: true,
        value: vault({
          networkAcls: { defaultAction: "Deny", bypass: "AzureServices", ipRules: [], virtualNetworkRules: [] },
        }),
      };
    });
    expect(runRules(s)).toEqual([]);
  });

  it("firewall enabled after encryption: bypass on, data plane refused, nothing else wrong → FIREWALL_BLOCKS_REGISTRY", () => {
    const s = healthy((s) => {
      s.vault = {
        ok: true,
        value: vault({
          networkAcls: { defaultAction: "Deny", bypass: "AzureServices", ipRules: [], virtualNetworkRules: [] },
        }),
      };
      s.key = {
        ok: false,
        error: {
          kind: "forbidden-by-firewall",
          statusCode: 403,
          code: "Forbidden",
          innerCode: "ForbiddenByFirewall",
          message: "Client address is not authorized",
        },
      };
      s.keyVersions = s.key;
      s.dataPlane = { ok: true, value: { ok: false, status: 403, code: "DENIED" } };
    });
    const f = find(s, "FIREWALL_BLOCKS_REGISTRY");
    expect(f).toMatchObject({
      runbook: "firewall-403",
      evidence: { keyRead: { innerCode: "ForbiddenByFirewall" }, registryDataPlane: { status: 403 } },
    });
    expect(f.title).toContain("after encryption");
    expect(ids(s)).toContain("KEY_READ_BLOCKED_BY_FIREWALL");
    expect(ids(s)).not.toContain("CHECK_INCOMPLETE");
  });

  it("bypass on and data plane refused but another critical cause found: the firewall is not blamed", () => {
    const s = healthy((s) => {
      s.vault = {
        ok: true,
        value: vault({
          accessPolicies: [],
          networkAcls: { defaultAction: "Deny", bypass: "AzureServices", ipRules: [], virtualNetworkRules: [] },
        }),
      };
      s.dataPlane = { ok: true, value: { ok: false, status: 403 } };
    });
    expect(ids(s)).toEqual(["ACCESS_MISSING", "REGISTRY_DATA_UNREADABLE"]);
  });
});

describe("registry rules", () => {
  it("not Premium and CMK not enabled are info, with no runbook", () => {
    const s: DiagnosisSnapshot = {
      now: NOW,
      subscriptionId: SUB,
      registry: registry({ sku: "Standard", encryption: { status: "disabled" } }),
    };
    expect(runRules(s).map((f) => [f.id, f.severity, f.runbook])).toEqual([
      ["NOT_PREMIUM", "info", null],
      ["CMK_NOT_ENABLED", "info", null],
    ]);
  });

  it("a data plane refusal nothing explains is REGISTRY_DATA_UNREADABLE with the triage hint", () => {
    const s = healthy(
      (s) => (s.dataPlane = { ok: true, value: { ok: false, status: 403, code: "DENIED", message: "denied" } }),
    );
    const f = find(s, "REGISTRY_DATA_UNREADABLE");
    expect(f.severity).toBe("critical");
    expect(f.detail).toContain("acr-cmk triage");
  });

  it("a data-plane check that could not run is info, not an outage", () => {
    const s = healthy(
      (s) =>
        (s.dataPlane = { ok: false, error: { kind: "forbidden-by-policy", statusCode: 401, message: "unauthorized" } }),
    );
    expect(ids(s)).toEqual(["REGISTRY_DATA_UNCHECKED"]);
  });
});

describe("rotation rules", () => {
  const newer = (createdOn: string) => (s: DiagnosisSnapshot) => {
    s.key = { ok: true, value: key({ version: V2, id: `${VAULT_URL}keys/acr-key/${V2}`, createdOn }) };
    s.keyVersions = { ok: true, value: [version(), version({ version: V2, createdOn })] };
  };

  it("a pinned key is ROTATION_MANUAL (info, rotate)", () => {
    const s = healthy((s) => {
      s.keyRef = { ...s.keyRef!, version: V1 };
      s.registry = registry({
        encryption: { ...registry().encryption, keyIdentifier: `${VAULT_URL}keys/acr-key/${V1}` },
      });
    });
    expect(runRules(s).map((f) => [f.id, f.severity, f.runbook])).toEqual([["ROTATION_MANUAL", "info", "rotate"]]);
  });

  it("pinned with a newer version is NEWER_KEY_VERSION_NOT_APPLIED", () => {
    const s = healthy((s) => {
      s.keyRef = { ...s.keyRef!, version: V1 };
      newer("2026-02-27T00:00:00.000Z")(s);
    });
    expect(find(s, "NEWER_KEY_VERSION_NOT_APPLIED")).toMatchObject({
      severity: "warning",
      runbook: "rotate",
      evidence: { rotation: "manual" },
    });
  });

  it("automatic rotation: a new version under an hour old is pending, older is stalled", () => {
    expect(ids(healthy(newer(new Date(Date.parse(NOW) - 10 * 60_000).toISOString())))).toEqual(["ROTATION_PENDING"]);
    const stalled = find(healthy(newer("2026-02-27T00:00:00.000Z")), "NEWER_KEY_VERSION_NOT_APPLIED");
    expect(stalled.evidence).toMatchObject({ rotation: "automatic", versionInUse: V1, latestVersion: V2 });
  });
});

describe("coverage and ordering", () => {
  it("reads refused for the operator's own rights become CHECK_INCOMPLETE naming them", () => {
    const s = healthy((s) => {
      s.key = {
        ok: false,
        error: {
          kind: "forbidden-by-policy",
          statusCode: 403,
          code: "Forbidden",
          innerCode: "ForbiddenByPolicy",
          message: "does not have keys get permission",
        },
      };
    });
    const f = find(s, "CHECK_INCOMPLETE");
    expect(f.title).toContain("key");
    expect(f.evidence).toMatchObject({ key: { innerCode: "ForbiddenByPolicy" } });
  });

  it("findings come most severe first", () => {
    const s = healthy((s) => {
      s.vault = { ok: true, value: vault({ enablePurgeProtection: false, accessPolicies: [] }) };
      s.keyRef = { ...s.keyRef!, version: V1 };
    });
    expect(runRules(s).map((f) => f.severity)).toEqual(["critical", "warning", "info"]);
  });

  it("the next command carries the invocation, e.g. the sandbox flag", () => {
    const s = healthy((s) => (s.vault = { ok: true, value: vault({ accessPolicies: [] }) }));
    expect(runRules(s, { invocation: "acr-cmk --sandbox /tmp/w.json" })[0]?.command).toBe(
      "acr-cmk --sandbox /tmp/w.json restore -g rg-acr -r acrprod",
    );
  });
});
