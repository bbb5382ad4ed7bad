// Changes the path tests make to the sandbox world "behind the run's back": incidents from the sandbox itself, and
// the kind of concurrent edits another engineer could make (so stale approvals and failed verifications are real).
import { resolveRegistryKey } from "../../src/sandbox/health.js";
import { breakWorld } from "../../src/sandbox/incidents.js";
import { identityId, newGuid, roleAssignmentId, roleDefinitionId } from "../../src/sandbox/ids.js";
import { newRsaKeyVersion } from "../../src/sandbox/scenarios.js";
import {
  ROLE,
  type ContainerGroupRecord,
  type IdentityRecord,
  type RegistryRecord,
  type VaultRecord,
  type World,
} from "../../src/sandbox/world.js";

export const registryOf = (w: World): RegistryRecord => Object.values(w.registries)[0] as RegistryRecord;

export function vaultOf(w: World): VaultRecord {
  const { vault } = resolveRegistryKey(w, registryOf(w));
  if (!vault) throw new Error("the registry's vault is gone");
  return vault;
}

export const incident = (name: string) => (w: World, now: Date) => void breakWorld(w, name, now);
/** `sandbox break key-deleted --in-progress <ms>`: the key stays in neither list (deletion not finished) that long. */
export const keyDeletionInProgress = (forMs: number) => (w: World, now: Date) =>
  void breakWorld(w, "key-deleted", now, undefined, { inProgress: { forMs } });

/** The identity the encryption uses (by client id), whether or not it is assigned right now. */
export function encryptionIdentityRecord(w: World): IdentityRecord | undefined {
  const clientId = registryOf(w).encryption.identity?.toLowerCase();
  return Object.values(w.identities).find((i) => i.clientId.toLowerCase() === clientId);
}

export function principalOf(w: World): string {
  const record = encryptionIdentityRecord(w);
  const principal = record?.principalId ?? registryOf(w).systemIdentity?.principalId;
  if (!principal) throw new Error("no encryption principal");
  return principal;
}

export const SPARE = "id-acr-cmk-spare";

export function spareIdentity(w: World): IdentityRecord {
  const reg = registryOf(w);
  const id = identityId(w.subscriptionId, reg.resourceGroup, SPARE);
  const existing = w.identities[id.toLowerCase()];
  if (existing) return existing;
  const record: IdentityRecord = {
    id,
    name: SPARE,
    resourceGroup: reg.resourceGroup,
    location: reg.location,
    principalId: newGuid(),
    clientId: newGuid(),
    tenantId: w.tenantId,
  };
  w.identities[id.toLowerCase()] = record;
  return record;
}

export function assignToRegistry(w: World, identity: IdentityRecord): void {
  const reg = registryOf(w);
  if (!reg.userAssignedIdentities.includes(identity.id.toLowerCase()))
    reg.userAssignedIdentities.push(identity.id.toLowerCase());
}

export function unassignFromRegistry(w: World, id: string): void {
  const reg = registryOf(w);
  reg.userAssignedIdentities = reg.userAssignedIdentities.filter((x) => x !== id.toLowerCase());
}

export function grantPolicy(w: World, principalId: string, keys = ["get", "wrapKey", "unwrapKey"]): void {
  const vault = vaultOf(w);
  const entry = vault.accessPolicies.find((p) => p.objectId === principalId);
  if (entry) entry.permissions.keys = [...new Set([...entry.permissions.keys, ...keys])];
  else
    vault.accessPolicies.push({
      tenantId: w.tenantId,
      objectId: principalId,
      permissions: { keys, secrets: [], certificates: [] },
    });
}

export function addRole(w: World, principalId: string, role: string): void {
  const vault = vaultOf(w);
  const name = newGuid();
  const id = roleAssignmentId(vault.id, name);
  w.roleAssignments[id.toLowerCase()] = {
    id,
    name,
    scope: vault.id,
    roleDefinitionId: roleDefinitionId(w.subscriptionId, role),
    principalId,
    principalType: "ServicePrincipal",
    createdAt: new Date().toISOString(),
  };
}

/** Someone touches the identity's access without fixing it: an approval computed before is void. */
export function touchAccess(w: World, principalId: string): void {
  // Key Vault Reader (no key data actions): a role that changes the picture without granting CMK access.
  if (vaultOf(w).enableRbacAuthorization) addRole(w, principalId, "21090545-7ca7-4776-b22c-e363652d74d2");
  else grantPolicy(w, principalId, ["list"]);
}

export function removeAccess(w: World, principalId: string): void {
  const vault = vaultOf(w);
  vault.accessPolicies = vault.accessPolicies.filter((p) => p.objectId !== principalId);
  for (const [id, a] of Object.entries(w.roleAssignments))
    if (a.principalId === principalId) delete w.roleAssignments[id];
}

export function keyInUse(w: World) {
  const { key, version } = resolveRegistryKey(w, registryOf(w));
  if (!key || !version) throw new Error("no key in use");
  return { key, version };
}

export function addKeyVersion(w: World, now: Date): string {
  const { key } = keyInUse(w);
  const v = newRsaKeyVersion(now);
  key.versions.push(v);
  return v.version;
}

/** Gives the registry its key back whatever was done to it (policy, role, enabled versions). */
export function healAccess(w: World): void {
  const principal = principalOf(w);
  if (vaultOf(w).enableRbacAuthorization) addRole(w, principal, ROLE.cryptoServiceEncryptionUser);
  else grantPolicy(w, principal);
  for (const v of keyInUse(w).key.versions) v.enabled = true;
}

export function disableCmk(w: World): void {
  registryOf(w).encryption = { status: "disabled" };
}

/** The operator's own key permissions on the (access-policy) vault: without "update" Key Vault refuses an extension. */
export function setOperatorKeyUpdate(w: World, allowed: boolean): void {
  const entry = vaultOf(w).accessPolicies.find((p) => p.objectId === w.operator.objectId);
  if (!entry) throw new Error("the operator has no access policy on this vault");
  const others = entry.permissions.keys.filter((k) => k.toLowerCase() !== "update");
  entry.permissions.keys = allowed ? [...others, "update"] : others;
}

/** The world's (first) ACI container group. */
export function groupOf(w: World): ContainerGroupRecord {
  const group = Object.values(w.containerGroups ?? {})[0];
  if (!group) throw new Error("the world has no container group");
  return group;
}

/** The identity the container group was deployed with is deleted (a group cannot be given another one). */
export function deleteGroupIdentity(w: World): void {
  delete w.identities[groupOf(w).encryptionProperties.identity.toLowerCase()];
}
