// The key vault a run works on: the facts it records about it, and reading it by what the run knows.
import type { CmkAzure, VaultInfo } from "../../azure/types.js";
import type { RunFacts } from "../facts.js";
import { call } from "./port-calls.js";

export function vaultFacts(vault: VaultInfo): Partial<RunFacts> {
  return {
    vaultId: vault.id,
    vaultName: vault.name,
    vaultResourceGroup: vault.resourceGroup,
    vaultLocation: vault.location,
    rbac: vault.enableRbacAuthorization,
    purgeProtection: vault.enablePurgeProtection,
  };
}

export async function requireVault(azure: CmkAzure, facts: RunFacts, signal: AbortSignal): Promise<VaultInfo> {
  if (facts.vaultResourceGroup && facts.vaultName) {
    return azure.getVault({ resourceGroup: facts.vaultResourceGroup, name: facts.vaultName }, call(signal));
  }
  const vault = facts.vaultName ? await azure.findVaultByName(facts.vaultName, call(signal)) : null;
  if (!vault)
    throw Object.assign(new Error(`key vault '${facts.vaultName ?? "?"}' was not found`), { kind: "not-found" });
  return vault;
}
