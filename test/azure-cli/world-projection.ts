// What two worlds must agree on after the same change made two ways (the runbook's SDK call, the printed az command):
// every setting a registry's encryption depends on, with what is random per call blanked out (new key versions are
// named by their place in the key's history, role assignments by what they grant, not by their generated names).
import type { World } from "../../src/sandbox/index.js";

const lower = (values: string[]) => values.map((v) => v.toLowerCase()).sort();
const seconds = (iso: string | undefined) => (iso ? Math.floor(Date.parse(iso) / 1000) : null);

export function project(world: World): unknown {
  const versionName = (kid: string | undefined): string | null => {
    if (!kid) return null;
    const match = /^https:\/\/([^.]+)\.vault\.azure\.net\/keys\/([^/]+)(?:\/([0-9a-f]+))?$/i.exec(kid);
    if (!match) return kid;
    const [, vaultName, keyName, version] = match;
    if (!version) return `${vaultName}/${keyName}`.toLowerCase();
    const key = world.vaults[vaultName!.toLowerCase()]?.keys[keyName!.toLowerCase()];
    const index = key?.versions.findIndex((v) => v.version.toLowerCase() === version.toLowerCase()) ?? -1;
    return `${vaultName}/${keyName}/#${index}`.toLowerCase();
  };
  return {
    identities: Object.values(world.identities)
      .map((i) => i.name)
      .sort(),
    registries: Object.values(world.registries)
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((r) => ({
        name: r.name,
        status: r.encryption.status,
        keyIdentifier: versionName(r.encryption.keyIdentifier),
        versionedKeyIdentifier: versionName(r.encryption.versionedKeyIdentifier),
        identity: r.encryption.identity?.toLowerCase() ?? null,
        userAssignedIdentities: lower(r.userAssignedIdentities),
        systemIdentity: Boolean(r.systemIdentity),
        identityDetached: r.identityDetached?.identity.toLowerCase() ?? null,
        firewallStale: Boolean(r.firewallStale),
      })),
    vaults: Object.values(world.vaults)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((v) => ({
        name: v.name,
        deleted: Boolean(v.deleted),
        purged: Boolean(v.purged),
        enablePurgeProtection: v.enablePurgeProtection,
        enableRbacAuthorization: v.enableRbacAuthorization,
        publicNetworkAccess: v.publicNetworkAccess,
        networkAcls: {
          defaultAction: v.networkAcls.defaultAction,
          bypass: v.networkAcls.bypass,
          ipRules: [...v.networkAcls.ipRules].sort(),
          virtualNetworkRules: lower(v.networkAcls.virtualNetworkRules),
        },
        accessPolicies: v.accessPolicies
          .map((p) => ({
            objectId: p.objectId.toLowerCase(),
            keys: lower(p.permissions.keys),
            secrets: lower(p.permissions.secrets),
            certificates: lower(p.permissions.certificates),
          }))
          .sort((a, b) => a.objectId.localeCompare(b.objectId)),
        keys: Object.values(v.keys)
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((k) => ({
            name: k.name,
            deleted: Boolean(k.deleted),
            purged: Boolean(k.purged),
            versions: k.versions.map((version) => ({
              enabled: version.enabled,
              kty: version.kty,
              keySize: version.keySize ?? null,
              keyOps: lower(version.keyOps),
              exp: seconds(version.exp),
              nbf: seconds(version.nbf),
            })),
          })),
      })),
    roleAssignments: Object.values(world.roleAssignments)
      .map(
        (a) =>
          `${a.scope.toLowerCase()} | ${a.roleDefinitionId.split("/").pop()?.toLowerCase()} | ${a.principalId.toLowerCase()}`,
      )
      .sort(),
  };
}
