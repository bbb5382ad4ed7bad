// Runs every rule over one snapshot and orders the findings: most severe first, causes before their symptoms.
import type { Finding, Severity } from "../types.js";
import type { DiagnosisSnapshot } from "../snapshot.js";
import type { Rule, RuleContext, SymptomRule } from "./context.js";
import { accessRules } from "./access.js";
import { coverageRules } from "./coverage.js";
import { identityRules } from "./identity.js";
import { keyRules } from "./key.js";
import { firewallAfterEncryption, firewallBlocksOperator, networkRules } from "./network.js";
import { registryDataUnreadable, registryRules } from "./registry.js";
import { rotationRules } from "./rotation.js";
import { vaultRules } from "./vault.js";

export type { RuleContext } from "./context.js";
export { EXPIRY_WARNING_DAYS } from "./key.js";

/** Cause rules, in the order an engineer would fix things: the vault, the key, who may use it, how it is reached. */
const CAUSE_RULES: readonly Rule[] = [
  registryRules,
  vaultRules,
  keyRules,
  identityRules,
  accessRules,
  networkRules,
  rotationRules,
  firewallBlocksOperator,
  coverageRules,
];

/** Symptom rules judge what is left unexplained by the causes. */
const SYMPTOM_RULES: readonly SymptomRule[] = [firewallAfterEncryption, registryDataUnreadable];

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** Symptoms sort after the causes of the same severity, so "Next:" names the fix, not the symptom. */
const SYMPTOMS = new Set(["REGISTRY_DATA_UNREADABLE"]);

export function runRules(snapshot: DiagnosisSnapshot, ctx: RuleContext = { invocation: "acr-cmk" }): Finding[] {
  const causes = CAUSE_RULES.flatMap((rule) => rule(snapshot, ctx));
  const symptoms = SYMPTOM_RULES.reduce<Finding[]>(
    (found, rule) => [...found, ...rule(snapshot, ctx, [...causes, ...found])],
    [],
  );
  return sortFindings([...causes, ...symptoms]);
}

export function sortFindings(findings: readonly Finding[]): Finding[] {
  // Array.prototype.sort is stable: within a rank, rule order (the fix order above) is kept.
  return [...findings].sort(
    (a, b) =>
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || Number(SYMPTOMS.has(a.id)) - Number(SYMPTOMS.has(b.id)),
  );
}
