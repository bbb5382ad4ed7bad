// ACR_CMK_STORE as a storage account: a connection string (Azurite's works), or the account's Table endpoint URL,
// signed in with DefaultAzureCredential. Connection string keys:
// https://learn.microsoft.com/azure/storage/common/storage-configure-connection-string
import { z } from "zod";
import { UsageError } from "../../errors.js";

export interface StoreLocation {
  /** Safe to print: the account name and endpoint, never the key or a SAS. */
  name: string;
  /** Handed to the SDK clients only; holds the connection string's key. */
  secretSetup: { connectionString: string } | { tableUrl: string; blobUrl: string };
}

const ACCOUNT_URL = z
  .url({ protocol: /^https$/, error: "must be https://<account>.table.core.windows.net" })
  .transform((value) => new URL(value))
  .refine((url) => /^[a-z0-9]{3,24}\.table\.[a-z0-9.-]+$/.test(url.hostname), {
    error: "must name an account's Table endpoint, https://<account>.table.core.windows.net",
  })
  .refine((url) => url.pathname === "/" && url.search === "", { error: "must have no path or query (no SAS)" });

function connectionStringParts(value: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const piece of value.split(";")) {
    const at = piece.indexOf("=");
    if (at > 0) parts.set(piece.slice(0, at).trim().toLowerCase(), piece.slice(at + 1).trim());
  }
  return parts;
}

export function parseStoreLocation(value: string): StoreLocation {
  const trimmed = value.trim();
  if (/^https?:\/\//i.test(trimmed)) {
    const parsed = ACCOUNT_URL.safeParse(trimmed);
    if (!parsed.success) throw new UsageError(`ACR_CMK_STORE ${parsed.error.issues[0]!.message} (got ${trimmed}).`);
    const url = parsed.data;
    const blobUrl = `https://${url.hostname.replace(".table.", ".blob.")}`;
    return { name: url.origin, secretSetup: { tableUrl: url.origin, blobUrl } };
  }
  const parts = connectionStringParts(trimmed);
  if (parts.get("usedevelopmentstorage") === "true") {
    return { name: "devstoreaccount1 (local emulator)", secretSetup: { connectionString: trimmed } };
  }
  const account = parts.get("accountname");
  const tableEndpoint = parts.get("tableendpoint");
  const hasSecret = parts.has("accountkey") || parts.has("sharedaccesssignature");
  if (!account && !tableEndpoint) {
    throw new UsageError(
      "ACR_CMK_STORE is neither a storage connection string (AccountName=...;AccountKey=...) nor an account URL " +
        "(https://<account>.table.core.windows.net).",
    );
  }
  if (!hasSecret) {
    throw new UsageError(
      "ACR_CMK_STORE is a connection string without AccountKey or SharedAccessSignature; give one, or give the " +
        "account URL (https://<account>.table.core.windows.net) to sign in with DefaultAzureCredential.",
    );
  }
  const name = tableEndpoint ? `${account ?? "account"} at ${tableEndpoint}` : `${account}`;
  return { name, secretSetup: { connectionString: trimmed } };
}
