// The vault firewall: does it let the registry (a trusted Azure service) through, and did it change after encryption.
import type { VaultInfo } from "../../azure/types.js";
import type { Finding } from "../types.js";
import { failureEvidence, runbookCommand, vaultState, type Rule, type SymptomRule } from "./context.js";

function firewallOn(vault: VaultInfo): boolean {
  return vault.networkAcls.defaultAction === "Deny" || vault.publicNetworkAccess.toLowerCase() === "disabled";
}

function networkEvidence(vault: VaultInfo): Record<string, unknown> {
  return {
    field: "properties.networkAcls",
    defaultAction: vault.networkAcls.defaultAction,
    bypass: vault.networkAcls.bypass,
    publicNetworkAccess: vault.publicNetworkAccess,
  };
}

function liveVault(s: Parameters<Rule>[0]): VaultInfo | undefined {
  return vaultState(s) === "live" && s.vault?.ok && s.vault.value ? s.vault.value : undefined;
}

/** Deny without the trusted-services exception: ACR is refused like any other caller. */
export const networkRules: Rule = (s, ctx) => {
  const vault = liveVault(s);
  if (!vault || !firewallOn(vault) || vault.networkAcls.bypass === "AzureServices") return [];
  return [
    {
      id: "FIREWALL_BLOCKS_REGISTRY",
      severity: "critical",
      title: `Key vault '${vault.name}' firewall blocks the registry (trusted Azure services not allowed)`,
      detail:
        `The vault denies public traffic and does not let trusted Azure services bypass the firewall, so ACR cannot reach ` +
        `its key. Allow trusted services (the firewall-403 runbook does this and then re-applies the registry's key): ` +
        `az keyvault update --name ${vault.name} --resource-group ${vault.resourceGroup} --bypass AzureServices`,
      evidence: networkEvidence(vault),
      runbook: "firewall-403",
      command: runbookCommand(s, ctx, "firewall-403"),
    },
  ];
};

/**
 * Trusted services are allowed, yet the registry's data plane is refused and nothing else explains it: the firewall was
 * switched on after encryption, and the docs' fix is to reconfigure the identity and key (rotate-key with the same values).
 */
export const firewallAfterEncryption: SymptomRule = (s, ctx, causes) => {
  const vault = liveVault(s);
  const dataPlane = s.dataPlane?.ok ? s.dataPlane.value : undefined;
  if (!vault || !firewallOn(vault) || vault.networkAcls.bypass !== "AzureServices" || !dataPlane || dataPlane.ok)
    return [];
  if (causes.some((f) => f.severity === "critical")) return [];
  const keyRead = s.key && !s.key.ok ? s.key.error : undefined;
  return [
    {
      id: "FIREWALL_BLOCKS_REGISTRY",
      severity: "critical",
      title: `Key vault '${vault.name}' firewall was enabled after encryption; the registry cannot reach its key`,
      detail:
        `Trusted Azure services are allowed, but the registry's data plane still refuses and every other check passed. ` +
        `This is the documented "firewall enabled after encryption" case: reconfigure the registry's identity and key ` +
        `(az acr encryption rotate-key with the same key and identity); the firewall-403 runbook does exactly that.` +
        (keyRead?.kind === "forbidden-by-firewall"
          ? ` The vault also refused your own key read (ForbiddenByFirewall), so the key's state was checked only through the registry.`
          : ""),
      evidence: {
        ...networkEvidence(vault),
        registryDataPlane: { status: dataPlane.status, code: dataPlane.code },
        ...(keyRead ? { keyRead: failureEvidence(keyRead) } : {}),
      },
      runbook: "firewall-403",
      command: runbookCommand(s, ctx, "firewall-403"),
    },
  ];
};

/** Your own data-plane reads were refused by the firewall while the registry is fine: say what was not checked. */
export const firewallBlocksOperator: Rule = (s) => {
  const keyRead = s.key && !s.key.ok ? s.key.error : undefined;
  if (keyRead?.kind !== "forbidden-by-firewall") return [];
  const vault = liveVault(s);
  const finding: Finding = {
    id: "KEY_READ_BLOCKED_BY_FIREWALL",
    severity: "info",
    title: `The vault firewall refused your own key reads; the key's state was not checked directly`,
    detail:
      `Key Vault answered 403 ForbiddenByFirewall to this machine (trusted-service bypass covers ACR, not you). Whether the ` +
      `key is enabled, unexpired and of a supported type was judged from the registry's data plane only. Run from an ` +
      `allowed network (or add your IP: az keyvault network-rule add --name ${vault?.name ?? "<vault>"} --ip-address <your ip>) for a full check.`,
    evidence: { keyRead: failureEvidence(keyRead), ...(vault ? networkEvidence(vault) : {}) },
    runbook: null,
  };
  return [finding];
};
