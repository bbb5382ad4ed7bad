// Runbook: the key vault firewall keeps the registry out. Allow trusted Azure services, then reconfigure the key and
// identity (rotate-key with the same key and identity); if the registry is still blocked, escalate to Azure Support as
// the docs say.
// Source: https://learn.microsoft.com/en-us/azure/container-registry/tutorial-troubleshoot-customer-managed-keys
//   ("Enabling a key vault firewall")
import { firewall403Actors } from "./actors/firewall-403.js";
import { AZ } from "./az.js";
import { buildRunbook } from "./build-machine.js";
import { check, guardedChange, type RunbookSpec } from "./steps.js";

export const firewall403Spec: RunbookSpec = {
  id: "firewall-403",
  summary:
    "The vault's firewall blocks the registry (HTTP 403). Allow trusted Azure services, reconfigure the registry's key and identity with rotate-key, and verify; if it is still blocked, escalate to Azure Support.",
  succeeded: "Trusted Azure services pass the vault firewall and the registry reads its content again.",
  steps: [
    check(
      "check-network",
      {
        title: "Check the vault's network rules",
        why: "With defaultAction Deny the registry gets in only when trusted Azure services may bypass the firewall.",
        risk: "none",
        az: AZ.showNetwork,
      },
      "checkNetwork",
      {
        blocked: "approve-allow-trusted-services",
        "stale-after-firewall": "approve-reconfigure-key",
        "not-blocked": "succeeded",
        "vault-missing": "escalated",
      },
    ),
    ...guardedChange({
      id: "allow-trusted-services",
      title: "Allow trusted Azure services through the vault firewall",
      why: "The documented setting for CMK registries behind a firewall: `--bypass AzureServices`. Other callers stay blocked.",
      risk: "medium",
      az: AZ.allowTrustedServices,
      actor: "allowTrustedServices",
      verifyActor: "verifyTrustedServices",
      verifyTitle: "Verify trusted services may pass",
      verifyAz: AZ.showNetwork,
      verifyOn: { ok: "check-registry-access", "still-blocked": "failed" },
      recheck: "check-network",
    }),
    check(
      "check-registry-access",
      {
        title: "Check whether the registry gets in now",
        why: "A firewall switched on after encryption keeps the registry out until its key is reconfigured.",
        risk: "none",
        az: AZ.checkRegistry,
      },
      "checkRegistryAccess",
      { ok: "succeeded", refused: "approve-reconfigure-key" },
    ),
    ...guardedChange({
      id: "reconfigure-key",
      title: "Reconfigure the key and identity (rotate-key, same values)",
      why: "The docs' fix after enabling a vault firewall: rotate-key again with the managed identity and key used initially.",
      risk: "medium",
      az: AZ.rotateKey,
      actor: "reconfigureKey",
      verifyActor: "verifyRegistry",
      verifyTitle: "Verify the registry reads its key",
      verifyAz: AZ.checkRegistry,
      verifyOn: { ok: "succeeded", "still-blocked": "escalated" },
      recheck: "check-registry-access",
    }),
  ],
};

export const firewall403 = buildRunbook(firewall403Spec, (_azure, options) => firewall403Actors(options));
