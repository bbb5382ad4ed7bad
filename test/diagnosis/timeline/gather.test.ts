// Which Activity Log events a registry's timeline keeps: the Activity Log is read by resource group, so the events on
// other resources of the group (in a fleet, the other registries' vaults) must be left out, by whole ids and whole
// segments, whatever their case.
import { describe, expect, it } from "vitest";
import { concernsTarget, type TimelineTarget } from "../../../src/diagnosis/timeline/gather.js";

const SUB = "/subscriptions/00000000-0000-0000-0000-000000000001";
const RG = `${SUB}/resourceGroups/rg-acr-cmk-fleet`;
const vault = (name: string) => `${RG}/providers/Microsoft.KeyVault/vaults/${name}`;
const target: TimelineTarget = {
  registryId: `${RG}/providers/Microsoft.ContainerRegistry/registries/acrcmkfleet06`,
  registryResourceGroup: "rg-acr-cmk-fleet",
  identityIds: [`${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-acr-cmk-fleet-0`],
  vaultName: "kv-acr-cmk-fleet-0",
  vaultId: vault("kv-acr-cmk-fleet-0"),
  vaultResourceGroup: "rg-acr-cmk-fleet",
};

describe("the Activity Log events a registry's timeline keeps", () => {
  it("keeps the registry's, its identities' and its vault's events, and what hangs below them, in any case", () => {
    expect(concernsTarget(target.registryId.toUpperCase(), target)).toBe(true);
    expect(concernsTarget(target.identityIds[0]!, target)).toBe(true);
    expect(concernsTarget(vault("KV-ACR-CMK-FLEET-0"), target)).toBe(true);
    expect(
      concernsTarget(`${vault("kv-acr-cmk-fleet-0")}/providers/Microsoft.Insights/diagnosticSettings/a`, target),
    ).toBe(true);
    const onVault = `${vault("kv-acr-cmk-fleet-0")}/providers/Microsoft.Authorization/roleAssignments/1`;
    expect(concernsTarget(onVault, target)).toBe(true);
  });

  it("leaves out a vault, an identity or a registry whose name only starts like the registry's own", () => {
    expect(concernsTarget(vault("kv-acr-cmk-fleet-02"), target)).toBe(false);
    expect(
      concernsTarget(`${vault("kv-acr-cmk-fleet-02")}/providers/Microsoft.Insights/diagnosticSettings/a`, target),
    ).toBe(false);
    expect(concernsTarget(`${target.identityIds[0]}2`, target)).toBe(false);
    expect(concernsTarget(`${target.registryId}1`, target)).toBe(false);
    expect(concernsTarget(`${RG}/providers/Microsoft.ContainerRegistry/registries/acrcmkfleet02`, target)).toBe(false);
  });

  it("keeps a role assignment on the resource group or the subscription: it reaches the vault too", () => {
    expect(concernsTarget(`${RG}/providers/Microsoft.Authorization/roleAssignments/1`, target)).toBe(true);
    expect(concernsTarget(`${SUB}/providers/Microsoft.Authorization/roleAssignments/1`, target)).toBe(true);
  });

  it("matches the vault by its whole name while only its name is known (deleted, its id not found)", () => {
    const { vaultId: _id, vaultResourceGroup: _group, ...byName } = target;
    expect(concernsTarget(vault("kv-acr-cmk-fleet-0"), byName)).toBe(true);
    expect(concernsTarget(`${vault("kv-acr-cmk-fleet-0")}/accessPolicies/add`, byName)).toBe(true);
    expect(concernsTarget(vault("kv-acr-cmk-fleet-02"), byName)).toBe(false);
    const purged = `${SUB}/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv-acr-cmk-fleet-0`;
    expect(concernsTarget(purged, byName)).toBe(true);
    expect(concernsTarget(`${purged}2`, byName)).toBe(false);
  });
});
