// The registry itself: tier, whether CMK is on at all, the key id it is configured with, and what its data plane says.
import type { Finding } from "../types.js";
import { failureEvidence, type Rule, type SymptomRule } from "./context.js";

export const registryRules: Rule = (s) => {
  const { registry } = s;
  const findings: Finding[] = [];
  const cmkOn = registry.encryption.status === "enabled";
  if (registry.sku !== "Premium") {
    findings.push({
      id: "NOT_PREMIUM",
      severity: cmkOn ? "warning" : "info",
      title: `Registry '${registry.name}' is ${registry.sku}; customer-managed keys need Premium`,
      detail: cmkOn
        ? `CMK is enabled on a registry that is not Premium; keep it on Premium or CMK features and support stop applying.`
        : `Only Premium registries can be encrypted with a customer-managed key, and only when they are created.`,
      evidence: { field: "sku.name", value: registry.sku },
      runbook: null,
      command: `az acr update --name ${registry.name} --resource-group ${registry.resourceGroup} --sku Premium`,
    });
  }
  if (!cmkOn) {
    findings.push({
      id: "CMK_NOT_ENABLED",
      severity: "info",
      title: `Registry '${registry.name}' is not encrypted with a customer-managed key`,
      detail:
        `It uses Microsoft-managed keys, so there is no key, vault or identity to go wrong. CMK can only be enabled when a ` +
        `registry is created: create a new Premium registry with --key-encryption-key and --identity and import the images.`,
      evidence: { field: "properties.encryption.status", value: registry.encryption.status },
      runbook: null,
    });
  }
  if (cmkOn && s.keyIdentifierProblem) {
    findings.push({
      id: "KEY_IDENTIFIER_INVALID",
      severity: "critical",
      title: `The registry's key id cannot be read as a Key Vault key id`,
      detail: `${s.keyIdentifierProblem}. Rotate the registry to a valid key id (https://<vault>.vault.azure.net/keys/<name>[/<version>]).`,
      evidence: {
        field: "properties.encryption.keyVaultProperties.keyIdentifier",
        value: registry.encryption.keyIdentifier ?? null,
      },
      runbook: "rotate",
    });
  }
  return findings;
};

/** The registry's own data plane refused: the symptom. Name the cause when another finding explains it. */
export const registryDataUnreadable: SymptomRule = (s, _ctx, causes) => {
  const answer = s.dataPlane;
  if (!answer) return [];
  if (!answer.ok) {
    return [
      {
        id: "REGISTRY_DATA_UNCHECKED",
        severity: "info",
        title: `Could not ask registry '${s.registry.name}' whether its content is readable`,
        detail:
          `The registry data-plane check itself failed (${answer.error.message}), so the verdict rests on the key, vault, ` +
          `identity and network checks alone.`,
        evidence: { registryDataPlane: failureEvidence(answer.error) },
        runbook: null,
      },
    ];
  }
  if (answer.value.ok) return [];
  const explained = causes.filter((f) => f.severity === "critical");
  return [
    {
      id: "REGISTRY_DATA_UNREADABLE",
      severity: "critical",
      title: `Registry '${s.registry.name}' content cannot be read right now`,
      detail:
        `Listing repositories through the registry's data plane failed` +
        (explained.length > 0
          ? `; explained by ${explained.map((f) => f.id).join(", ")} above.`
          : `, and no other check explains it: paste the error into \`acr-cmk triage\`, check the registry's own network ` +
            `rules and Azure status, and escalate to Azure support if it persists.`),
      evidence: {
        registryDataPlane: { status: answer.value.status, code: answer.value.code, message: answer.value.message },
      },
      runbook: null,
    },
  ];
};
