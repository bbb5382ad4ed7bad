// Key Vault keys through @azure/keyvault-keys (one KeyClient per vault, challenge authentication included).
// Soft delete and recovery go through the SDK's own pollers; nothing here ever purges.
import type { DeletedKey, KeyProperties, KeyVaultKey } from "@azure/keyvault-keys";
import { z } from "zod";
import { AzureFailure } from "../types.js";
import { callAzure } from "../errors.js";
import { assertKeyName, parseVaultUrl } from "../ids.js";
import type { CallOptions, CmkAzure, DeletedKeyInfo, KeyInfo, KeyVersionInfo } from "../types.js";
import type { SdkClients } from "./clients.js";
import { validate } from "./validation.js";

function propertyDates(p: KeyProperties): Pick<KeyInfo, "expiresOn" | "notBefore" | "createdOn"> {
  return {
    ...(p.expiresOn ? { expiresOn: p.expiresOn.toISOString() } : {}),
    ...(p.notBefore ? { notBefore: p.notBefore.toISOString() } : {}),
    ...(p.createdOn ? { createdOn: p.createdOn.toISOString() } : {}),
  };
}

export function toKeyInfo(key: KeyVaultKey | DeletedKey): KeyInfo {
  const p = key.properties;
  return {
    id: key.id ?? p.id ?? "",
    // As VaultInfo.vaultUri reports it (trailing slash), so the two compare equal.
    vaultUrl: p.vaultUrl.endsWith("/") ? p.vaultUrl : `${p.vaultUrl}/`,
    name: key.name,
    version: p.version ?? "",
    keyType: key.keyType ?? "",
    keyOps: [...(key.keyOperations ?? [])],
    enabled: p.enabled ?? false,
    ...propertyDates(p),
    ...(p.updatedOn ? { updatedOn: p.updatedOn.toISOString() } : {}),
    ...(p.recoveryLevel ? { recoveryLevel: p.recoveryLevel } : {}),
  };
}

export function toDeletedKeyInfo(key: DeletedKey): DeletedKeyInfo {
  const p = key.properties;
  return {
    ...toKeyInfo(key),
    ...(p.recoveryId ? { recoveryId: p.recoveryId } : {}),
    ...(p.deletedOn ? { deletedOn: p.deletedOn.toISOString() } : {}),
    ...(p.scheduledPurgeDate ? { scheduledPurgeDate: p.scheduledPurgeDate.toISOString() } : {}),
  };
}

function toKeyVersionInfo(p: KeyProperties): KeyVersionInfo {
  return { id: p.id ?? "", version: p.version ?? "", enabled: p.enabled ?? false, ...propertyDates(p) };
}

const isoDate = z.iso.datetime({ offset: true });
const createSchema = z
  .object({
    keySize: z.union([z.literal(2048), z.literal(3072), z.literal(4096)]).optional(),
    expiresOn: isoDate.optional(),
  })
  .default({});
const updateSchema = z
  .object({ enabled: z.boolean().optional(), expiresOn: isoDate.nullable().optional() })
  .refine((update) => update.enabled !== undefined || update.expiresOn !== undefined, {
    message: "change enabled, expiresOn or both",
  });
const versionSchema = z.string().regex(/^[0-9a-f]{32}$/i, "expected a 32-character hexadecimal key version");

export type KeyOperations = Pick<
  CmkAzure,
  | "getKey"
  | "listKeyVersions"
  | "createKeyVersion"
  | "updateKey"
  | "deleteKey"
  | "getDeletedKey"
  | "recoverDeletedKey"
  | "backupKey"
  | "restoreKeyBackup"
>;

export function keyOperations(clients: SdkClients): KeyOperations {
  /** Validates the vault URL and key name before anything is sent, and names the key in every failure. */
  function target(vaultUrl: string, name: string) {
    const vault = parseVaultUrl(vaultUrl);
    assertKeyName(name);
    return { client: clients.keyClient(vault.vaultUrl), label: `${vault.vaultName}/${name}` };
  }
  const pollOptions = (options?: CallOptions) => ({
    abortSignal: options?.abortSignal,
    ...(clients.updateIntervalInMs === undefined ? {} : { intervalInMs: clients.updateIntervalInMs }),
  });

  return {
    async getKey(vaultUrl, name, version, options) {
      const { client, label } = target(vaultUrl, name);
      const checkedVersion = version === undefined ? undefined : validate(versionSchema, version, "key version");
      const key = await callAzure(`get key ${label}${checkedVersion ? `/${checkedVersion}` : ""}`, () =>
        client.getKey(name, {
          abortSignal: options?.abortSignal,
          ...(checkedVersion ? { version: checkedVersion } : {}),
        }),
      );
      return toKeyInfo(key);
    },

    async listKeyVersions(vaultUrl, name, options) {
      const { client, label } = target(vaultUrl, name);
      const versions = await callAzure(`list versions of key ${label}`, async () => {
        const out: KeyVersionInfo[] = [];
        for await (const p of client.listPropertiesOfKeyVersions(name, { abortSignal: options?.abortSignal })) {
          out.push(toKeyVersionInfo(p));
        }
        return out;
      });
      return versions.sort((a, b) => (a.createdOn ?? "").localeCompare(b.createdOn ?? ""));
    },

    // POST /keys/{name}/create adds a new version when the key exists (what rotation needs), or creates the key.
    async createKeyVersion(vaultUrl, name, params, options) {
      const { client, label } = target(vaultUrl, name);
      const parsed = validate(createSchema, params, "new key version");
      const key = await callAzure(`create new version of key ${label}`, () =>
        client.createRsaKey(name, {
          abortSignal: options?.abortSignal,
          ...(parsed.keySize ? { keySize: parsed.keySize } : {}),
          ...(parsed.expiresOn ? { expiresOn: new Date(parsed.expiresOn) } : {}),
        }),
      );
      return toKeyInfo(key);
    },

    async updateKey(vaultUrl, name, version, update, options) {
      const { client, label } = target(vaultUrl, name);
      const checkedVersion = version === undefined ? "" : validate(versionSchema, version, "key version");
      const parsed = validate(updateSchema, update, "key update");
      // The SDK types expiresOn as Date, but its serializer passes null through as `"exp": null`, which clears it.
      const expiresOn =
        parsed.expiresOn === undefined
          ? {}
          : { expiresOn: (parsed.expiresOn === null ? null : new Date(parsed.expiresOn)) as Date };
      const key = await callAzure(`update key ${label}`, () =>
        client.updateKeyProperties(name, checkedVersion, {
          abortSignal: options?.abortSignal,
          ...(parsed.enabled === undefined ? {} : { enabled: parsed.enabled }),
          ...expiresOn,
        }),
      );
      return toKeyInfo(key);
    },

    async deleteKey(vaultUrl, name, options) {
      const { client, label } = target(vaultUrl, name);
      const deleted = await callAzure(`delete key ${label}`, async () => {
        const poller = await client.beginDeleteKey(name, pollOptions(options));
        return poller.pollUntilDone({ abortSignal: options?.abortSignal });
      });
      return toDeletedKeyInfo(deleted);
    },

    async getDeletedKey(vaultUrl, name, options) {
      const { client, label } = target(vaultUrl, name);
      const deleted = await callAzure(`get deleted key ${label}`, () =>
        client.getDeletedKey(name, { abortSignal: options?.abortSignal }),
      );
      return toDeletedKeyInfo(deleted);
    },

    async recoverDeletedKey(vaultUrl, name, options) {
      const { client, label } = target(vaultUrl, name);
      const recovered = await callAzure(`recover deleted key ${label}`, async () => {
        const poller = await client.beginRecoverDeletedKey(name, pollOptions(options));
        return poller.pollUntilDone({ abortSignal: options?.abortSignal });
      });
      return toKeyInfo(recovered);
    },

    async backupKey(vaultUrl, name, options) {
      const { client, label } = target(vaultUrl, name);
      const operation = `back up key ${label}`;
      const backup = await callAzure(operation, () => client.backupKey(name, { abortSignal: options?.abortSignal }));
      if (!backup || backup.length === 0) {
        throw new AzureFailure(`${operation}: Key Vault returned an empty backup`, "unknown", { operation });
      }
      return backup;
    },

    async restoreKeyBackup(vaultUrl, backup, options) {
      const vault = parseVaultUrl(vaultUrl);
      validate(
        z.instanceof(Uint8Array).refine((b) => b.length > 0, "the backup is empty"),
        backup,
        "key backup",
      );
      const key = await callAzure(`restore key backup into ${vault.vaultName}`, () =>
        clients.keyClient(vault.vaultUrl).restoreKeyBackup(backup, { abortSignal: options?.abortSignal }),
      );
      return toKeyInfo(key);
    },
  };
}
