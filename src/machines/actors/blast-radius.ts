// A key's blast radius on the approvals that disable, revoke, rotate or re-enable it: every registry and container
// group that reads the key (Resource Graph, through the port), added to the plan a check step returns. A revoke that
// would cut off more than its target says so first in the title and asks for the number of resources affected to be
// typed back instead of the registry's name. Wraps a check step, so the runbooks' own actors stay as they are.
import type { CmkAzure, KeyUser } from "../../azure/types.js";
import { parseKeyIdentifier, type RunFacts } from "../facts.js";
import type { ChangePlan, StepFn, StepInput } from "../steps.js";
import { describeResources } from "../resource-names.js";
import { call } from "./port-calls.js";
import { targetName } from "../target.js";

/** What the change does to the key's users: cuts them off (revoke), or changes the key they read. */
export type BlastKind = "cuts-off" | "changes";

function targetId(input: StepInput, facts: Partial<RunFacts>): string {
  const { subscriptionId, resourceGroup, registry } = input.target;
  return (
    facts.registryId ??
    `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerRegistry/registries/${registry}`
  ).toLowerCase();
}

/** The key (versionless) and version a plan touches: its resource when that is a key, else the run's key. */
function keyOf(plan: ChangePlan, facts: Partial<RunFacts>): { keyId: string; version?: string } | undefined {
  const fromResource = /\.vault\.azure\.net\/keys\//i.test(plan.resource) ? plan.resource : undefined;
  const source = fromResource ?? facts.versionedKeyIdentifier ?? facts.keyIdentifier;
  if (!source) return undefined;
  const parsed = parseKeyIdentifier(source);
  if (!parsed) return undefined;
  const version = (plan.params?.version as string | undefined) ?? parsed.version ?? facts.keyVersion;
  return { keyId: `${parsed.vaultUrl.replace(/\/+$/, "")}/keys/${parsed.name}`, ...(version ? { version } : {}) };
}

/** Who the change reaches: a disabled version everyone reading it; removed access whoever reads with that identity. */
function reached(users: KeyUser[], plan: ChangePlan, version: string | undefined, facts: Partial<RunFacts>): KeyUser[] {
  const method = plan.params?.method;
  const onVersion = version ? users.filter((u) => !u.keyVersion || u.keyVersion === version) : users;
  if (method !== "access-policy" && method !== "role-assignment")
    return plan.stepId === "create-key-version" ? users : onVersion;
  const ids = [facts.identity, facts.identityResourceId].filter((v): v is string => !!v).map((v) => v.toLowerCase());
  return users.filter((u) => u.identity && ids.includes(u.identity.toLowerCase()));
}

async function annotate(
  azure: CmkAzure,
  input: StepInput,
  facts: Partial<RunFacts>,
  plan: ChangePlan,
  kind: BlastKind,
  signal: AbortSignal,
): Promise<ChangePlan> {
  const key = keyOf(plan, facts);
  if (!key || !azure.findKeyUsers) return plan;
  let users: KeyUser[];
  try {
    users = await azure.findKeyUsers(key.keyId, call(signal));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { ...plan, before: `${plan.before} (other users of this key could not be listed: ${why})` };
  }
  const self = targetId(input, facts);
  const affected = reached(users, plan, key.version, facts).map((u) => u.id);
  const others = affected.filter((id) => id.toLowerCase() !== self);
  if (others.length === 0) return plan;
  const total = others.length + 1;
  const blastRadius = { keyId: key.keyId, affected: [self, ...others] };
  if (kind === "cuts-off") {
    return {
      ...plan,
      title: `This cuts off ${total} resources, not only ${targetName(input.target)}: ${plan.title}`,
      before: `${plan.before}. Also reading this key: ${describeResources(others)}`,
      blastRadius,
      confirmText: String(total),
    };
  }
  return {
    ...plan,
    before: `${plan.before}. ${others.length === 1 ? "1 other resource reads" : `${others.length} other resources read`} this key: ${describeResources(others)}`,
    blastRadius,
  };
}

/** The check step, with every plan it returns annotated with the key's other users. */
export function withBlastRadius(step: StepFn, kind: BlastKind): StepFn {
  return async (azure, input, signal) => {
    const output = await step(azure, input, signal);
    if (!output.plans && !output.candidates) return output;
    const facts = { ...input.facts, ...(output.facts ?? {}) };
    const plans = output.plans
      ? await Promise.all(output.plans.map((p) => annotate(azure, input, facts, p, kind, signal)))
      : undefined;
    const candidates = output.candidates
      ? Object.fromEntries(
          await Promise.all(
            Object.entries(output.candidates).map(
              async ([id, p]) => [id, await annotate(azure, input, facts, p, kind, signal)] as const,
            ),
          ),
        )
      : undefined;
    return { ...output, ...(plans ? { plans } : {}), ...(candidates ? { candidates } : {}) };
  };
}
