// ACR_CMK_STORE picks the store: unset (or empty), the node:sqlite file in ACR_CMK_HOME; otherwise the Azure Storage
// account it names, shared by every process and machine that names it.
import { openAzureBackend } from "./azure-store/index.js";
import { openSqliteBackend } from "./sqlite-store.js";
import type { RunBackend } from "./store.js";

export function openRunBackend(home: string, setting: string | undefined): RunBackend {
  return setting?.trim() ? openAzureBackend(setting) : openSqliteBackend(home);
}
