// A step whose Azure CLI equivalent depends on the vault's permission model shows the form that applies to this
// run's vault: access policies on a policy vault, role assignments on an RBAC vault. Docs and dry runs, which do not
// know the vault, show both, labelled, so a pasted line runs exactly one command.
import { describe, expect, it } from "vitest";
import { RUNBOOKS } from "../../src/machines/index.js";
import { AZ } from "../../src/machines/az.js";
import type { RunbookId } from "../../src/diagnosis/types.js";
import { autoRun, sandbox, startRun } from "./harness.js";
import { principalOf, vaultOf } from "./world-changes.js";

const cases: Array<[string, RunbookId, string, "policy" | "rbac"]> = [
  ["key-deleted", "key-deleted", "key-deleted", "policy"],
  ["key-deleted", "key-deleted", "vault-deleted", "rbac"],
  ["restore", "restore", "access-revoked", "policy"],
  ["restore", "restore", "access-revoked", "rbac"],
];

describe("check-access shows the command for this run's vault", () => {
  it.each(cases)("%s after %s on a %s vault", async (_name, runbook, incident, access) => {
    const sb = sandbox({ access }, [incident]);
    const end = await autoRun(startRun(RUNBOOKS[runbook], sb.azure, sb.target));
    expect(String(end.value), end.context.lastError?.message).toBe("succeeded");
    const vault = vaultOf(sb.world());
    const principal = principalOf(sb.world());
    const expected =
      access === "policy"
        ? {
            template: AZ.showPolicies,
            exact: `az keyvault show --name ${vault.name} --query "properties.accessPolicies"`,
          }
        : {
            template: AZ.listRoleAssignments,
            exact: `az role assignment list --assignee ${principal} --scope ${vault.id}`,
          };
    expect(end.context.stepAz?.["check-access"]).toBe(expected.template);
    expect(end.context.evidence["check-access"]).toContain(`Equivalent command: ${expected.exact}`);
    // The grant and its verification follow the same model.
    expect(end.context.stepAz?.["grant-access"]).toBe(access === "policy" ? AZ.setPolicy : AZ.grantRole);
    expect(end.context.stepAz?.["verify-grant-access"]).toBe(expected.template);
  });

  it("the identity-removed move checks the new identity, not the old one, in its commands", async () => {
    const definition = RUNBOOKS["identity-removed"];
    const check = definition.spec.steps.find((s) => s.id === "check-target-identity");
    const grant = definition.spec.steps.find((s) => s.id === "grant-target-access");
    expect(check?.azByAccess?.rbac).toContain("--assignee <target-principal-id>");
    expect(grant?.azByAccess?.policy).toContain("--object-id <target-principal-id>");
    expect(grant?.azByAccess?.rbac).toContain("--assignee-object-id <target-principal-id>");
  });

  it("the static step table names both forms, policy first, the RBAC one after a shell comment", () => {
    const step = RUNBOOKS["key-deleted"].steps.find((s) => s.id === "check-access");
    expect(step?.az).toBe(`${AZ.showPolicies}  # on an RBAC vault instead: ${AZ.listRoleAssignments}`);
  });
});
