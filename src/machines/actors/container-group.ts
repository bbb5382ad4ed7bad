// A container group as the key-deleted and restore actors see it: the registry-shaped view of its key path (a registry
// pinned to the key version its encryptionProperties name, read with the identity they name), and the proof a repair
// worked. A group's encryption is fixed when it is deployed, so the proof is its key path (the version it was deployed
// with is enabled and unexpired, the identity exists and may use the key, the vault firewall lets trusted Azure
// services through), not a change to the group: https://learn.microsoft.com/azure/container-instances/container-instances-encrypt-data
import type { CmkAzure, RegistryInfo } from "../../azure/types.js";
import { containerGroupAsRegistry } from "../../diagnosis/fleet/key-paths.js";
import { parseKeyIdentifier } from "../facts.js";
import type { ContainerGroupTarget } from "../meta.js";
import type { StepFn, StepInput } from "../steps.js";
import { targetResourceId } from "../target.js";
import { readAccess } from "./access.js";
import { encryptionIdentity, identityLabel } from "./identity.js";
import { call, isFailure } from "./port-calls.js";

/** The group read through Resource Manager, as a registry pinned to its key version; no key: encryption disabled. */
export async function readContainerGroupAsRegistry(
  azure: CmkAzure,
  target: ContainerGroupTarget,
  signal: AbortSignal,
): Promise<RegistryInfo> {
  const group = await azure.getContainerGroup(
    { resourceGroup: target.resourceGroup, name: target.containerGroup },
    call(signal),
  );
  if (group) return containerGroupAsRegistry(group);
  return {
    id: targetResourceId(target),
    name: target.containerGroup,
    resourceGroup: target.resourceGroup,
    location: "",
    sku: "Standard",
    identity: { type: "None", userAssigned: [] },
    encryption: { status: "disabled" },
  };
}

/** What a redeploy needs, said wherever a run cannot repair the group through its key. */
export const redeployAdvice = (input: StepInput) =>
  `${input.invocation} diagnose --id ${targetResourceId(input.target)}  (gives the az container create shape to redeploy the group with a usable key)`;

/** Why the group's key path is not usable right now; empty when it is. Expiry is judged by `now` (Azure's clock). */
async function keyPathProblems(
  azure: CmkAzure,
  input: StepInput,
  now: () => Date,
  signal: AbortSignal,
): Promise<{ problems: string[]; evidence: string[] }> {
  const registry = await readContainerGroupAsRegistry(azure, input.target as ContainerGroupTarget, signal);
  const parsed = parseKeyIdentifier(registry.encryption.versionedKeyIdentifier);
  if (!parsed?.version) return { problems: ["the container group names no key version"], evidence: [] };
  const problems: string[] = [];
  const evidence: string[] = [];
  try {
    const key = await azure.getKey(parsed.vaultUrl, parsed.name, parsed.version, call(signal));
    if (!key.enabled) problems.push(`key ${parsed.name} version ${parsed.version} is disabled`);
    else if (key.expiresOn && Date.parse(key.expiresOn) <= now().getTime())
      problems.push(`key ${parsed.name} version ${parsed.version} expired on ${key.expiresOn}`);
    else evidence.push(`Key ${parsed.name} version ${parsed.version} (the one the group was deployed with) is enabled`);
  } catch (error) {
    if (isFailure(error, "key-not-found")) problems.push(`key ${parsed.name} version ${parsed.version} is not there`);
    // acr-cmk's own read goes through the vault firewall; the group's goes through trusted-service access (below).
    else if (isFailure(error, "forbidden-by-firewall"))
      evidence.push(`The vault firewall keeps acr-cmk from reading key ${parsed.name}; its state is not checked here`);
    else throw error;
  }
  const identity = await encryptionIdentity(azure, registry, signal);
  const vault = await azure.findVaultByName(parsed.vaultName, call(signal));
  if (!vault) return { problems: [...problems, `key vault ${parsed.vaultName} is not there`], evidence };
  if (!identity.principalId) problems.push(`the group's ${identityLabel(identity)} no longer exists`);
  else {
    const access = await readAccess(azure, vault, identity.principalId, signal);
    if (access.ok) evidence.push(`The group's ${identityLabel(identity)} has key access (${access.mode})`);
    else problems.push(`the group's ${identityLabel(identity)} lacks ${access.missing.join(", ")} on ${vault.name}`);
  }
  const firewall = vault.networkAcls.defaultAction === "Deny" || vault.publicNetworkAccess.toLowerCase() === "disabled";
  if (firewall && vault.networkAcls.bypass !== "AzureServices")
    problems.push(`the firewall of vault ${vault.name} does not let trusted Azure services through`);
  return { problems, evidence };
}

/** verify-container-group: the key path the group was deployed with is usable again. */
export function verifyGroupKeyPath(now: () => Date): StepFn {
  return async (azure, input, signal) => {
    const { problems, evidence } = await keyPathProblems(azure, input, now, signal);
    if (problems.length === 0) return { outcome: "ok", evidence };
    return {
      outcome: "unusable",
      message: `The container group still cannot use its key: ${problems.join("; ")}.`,
    };
  };
}
