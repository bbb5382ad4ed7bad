// The run's registry as the actors read and change it: its encryption settings and the facts they give away, the key
// version it uses, rotate-key to an approved plan, and its own data plane, where every repair is proven.
import type { CmkAzure, KeyInfo, RegistryInfo, RegistryRef, RotateKeyParams } from "../../azure/types.js";
import { parseKeyIdentifier, type ParsedKeyId, type RunFacts } from "../facts.js";
import type { StepFn, StepInput, StepOutput } from "../steps.js";
import { call } from "./port-calls.js";
import { isContainerGroupTarget, targetKind, targetName } from "../target.js";
import { readContainerGroupAsRegistry } from "./container-group.js";

/** The run's registry, as the port names it. */
export const registryRef = (input: StepInput): RegistryRef => ({
  resourceGroup: input.target.resourceGroup,
  name: targetName(input.target),
});

/** The run's registry; for a container group, its key path in a registry's shape (container-group.ts). */
export async function readRegistry(azure: CmkAzure, input: StepInput, signal: AbortSignal): Promise<RegistryInfo> {
  if (isContainerGroupTarget(input.target)) return readContainerGroupAsRegistry(azure, input.target, signal);
  return azure.getRegistry(registryRef(input), call(signal));
}

/** The facts a registry's encryption settings give away, before any other read. */
export function registryFacts(registry: RegistryInfo): { facts: Partial<RunFacts>; key: ParsedKeyId | null } {
  const key = parseKeyIdentifier(registry.encryption.keyIdentifier);
  const facts: Partial<RunFacts> = {
    registryId: registry.id,
    location: registry.location,
    keyIdentifier: registry.encryption.keyIdentifier,
    versionedKeyIdentifier: registry.encryption.versionedKeyIdentifier,
    identity: registry.encryption.identity,
  };
  // The identity's name and object id, when the registry itself says (no extra call): titles name it by both ids.
  const clientId = registry.encryption.identity?.toLowerCase();
  const assigned = clientId
    ? registry.identity.userAssigned.find((u) => u.clientId?.toLowerCase() === clientId)
    : undefined;
  if (assigned) {
    Object.assign(facts, { identityKind: "user", identityResourceId: assigned.id });
    if (assigned.principalId) facts.principalId = assigned.principalId;
  } else if (clientId === "system" && registry.identity.type.includes("SystemAssigned")) {
    Object.assign(facts, { identityKind: "system", principalId: registry.identity.principalId });
  }
  if (key)
    Object.assign(facts, {
      vaultName: key.vaultName,
      vaultUrl: key.vaultUrl,
      keyName: key.name,
      keyVersion: key.version,
    });
  return { facts, key };
}

/** A registry with a customer-managed key: what the first check of most runbooks starts from. */
export interface CmkRegistry {
  registry: RegistryInfo;
  facts: Partial<RunFacts>;
  key: ParsedKeyId;
}

/**
 * Reads the run's registry; one without a customer-managed key ends the run at once (`not-cmk`), saying why this
 * runbook has nothing to do.
 */
export async function readCmkRegistry(
  azure: CmkAzure,
  input: StepInput,
  signal: AbortSignal,
  notCmk: { reason: string; nextSteps?: string[] },
): Promise<CmkRegistry | { ended: StepOutput }> {
  const registry = await readRegistry(azure, input, signal);
  const { facts, key } = registryFacts(registry);
  if (key) return { registry, facts, key };
  return {
    ended: {
      outcome: "not-cmk",
      facts,
      final: {
        summary: `${capitalised(targetKind(input.target))} ${registry.name} has no customer-managed key: ${notCmk.reason}.`,
        nextSteps: notCmk.nextSteps ?? [],
      },
    },
  };
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The key version the registry encrypts with right now (the pinned one, else the one it resolved). */
export async function keyInUse(azure: CmkAzure, input: StepInput, signal: AbortSignal): Promise<KeyInfo> {
  const registry = await readRegistry(azure, input, signal);
  const parsed = parseKeyIdentifier(registry.encryption.versionedKeyIdentifier ?? registry.encryption.keyIdentifier);
  if (!parsed) throw new Error("the registry names no key");
  return azure.getKey(parsed.vaultUrl, parsed.name, parsed.version, call(signal));
}

/** The newest version of the run's key. */
export const latestKey = (azure: CmkAzure, input: StepInput, signal: AbortSignal): Promise<KeyInfo> =>
  azure.getKey(String(input.facts.vaultUrl), String(input.facts.keyName), undefined, call(signal));

/** `az acr encryption rotate-key` with the key id and identity the approved plan names. */
export async function rotateRegistryToPlan(
  azure: CmkAzure,
  input: StepInput,
  signal: AbortSignal,
): Promise<RotateKeyParams> {
  const params = {
    keyIdentifier: String(input.plan?.params?.keyIdentifier),
    identity: String(input.plan?.params?.identity),
  };
  await azure.rotateRegistryKey(registryRef(input), params, call(signal));
  return params;
}

/** What ACR's own data plane answers: the closest thing to "can the registry read its key". */
export async function dataPlane(azure: CmkAzure, registry: RegistryInfo, signal: AbortSignal) {
  const check = await azure.checkRegistryDataPlane(registry, call(signal));
  const text = check.ok
    ? "registry data plane answers: content readable"
    : `registry data plane refuses: ${[check.status, check.code, check.message].filter(Boolean).join(" ")}`;
  return { ...check, text };
}

/** The registry reads its content again through its own data plane: where every repair is proven. */
export const verifyRegistryReads: StepFn = async (azure, input, signal) => {
  const registry = await readRegistry(azure, input, signal);
  const plane = await dataPlane(azure, registry, signal);
  return plane.ok
    ? { outcome: "ok", evidence: [plane.text] }
    : { outcome: "unreadable", message: `The registry still cannot read its key: ${plane.text}` };
};
