// What else a pasted error says besides its cause: which registry it is about (so the suggested command can name it)
// and, when it is not about a registry at all, which Azure service reported it (acr-cmk's runbooks repair registries;
// the same cause on a disk encryption set or a SQL server is fixed on that resource).
import { assertRegistryName, assertResourceGroup, formatRegistryId, parseRegistryId } from "../../azure/ids.js";

/** The registry a paste names: its full resource id when that parses, else its name (and resource group if known). */
export interface TriageRegistry {
  id?: string;
  resourceGroup?: string;
  name: string;
}

const REGISTRY_ID =
  /\/subscriptions\/[^/\s'"]{1,64}\/resourcegroups\/([^/\s'"]{1,90})\/providers\/Microsoft\.ContainerRegistry\/registries\/([A-Za-z0-9]{1,50})/gi;
const LOGIN_SERVER = /\b([a-z0-9]{5,50})\.azurecr\.(?:io|cn|us)\b/gi;

function valid<T>(check: () => T): T | undefined {
  try {
    return check();
  } catch {
    return undefined;
  }
}

/** The one registry the text names; several different ones, or none, give undefined (never a guess). */
export function registryIn(text: string): TriageRegistry | undefined {
  const found = new Map<string, TriageRegistry>();
  for (const match of text.matchAll(REGISTRY_ID)) {
    const parsed = valid(() => parseRegistryId(match[0]));
    const name = valid(() => assertRegistryName(match[2] ?? ""));
    if (!name) continue;
    const resourceGroup = valid(() => assertResourceGroup(match[1] ?? ""));
    const entry: TriageRegistry = parsed
      ? { id: formatRegistryId(parsed), resourceGroup: parsed.resourceGroup, name: parsed.name }
      : { ...(resourceGroup ? { resourceGroup } : {}), name };
    const previous = found.get(name.toLowerCase());
    if (!previous || (!previous.id && entry.id)) found.set(name.toLowerCase(), entry);
  }
  for (const match of text.matchAll(LOGIN_SERVER)) {
    const name = match[1] as string;
    if (!found.has(name.toLowerCase())) found.set(name.toLowerCase(), { name });
  }
  return found.size === 1 ? [...found.values()][0] : undefined;
}

/** Text about a container registry: then the runbooks apply as they are. */
const ABOUT_A_REGISTRY =
  /azurecr\.|Microsoft\.ContainerRegistry|container registr|\bACR\b|\baz acr\b|\bregistr(?:y|ies)\b/i;

// Other services that encrypt with a Key Vault key, most specific first (Backup reports disk encryption set codes).
const SERVICES: readonly { name: string; pattern: RegExp }[] = [
  { name: "a disk encryption set (Azure managed disks)", pattern: /disk ?encryption ?set|diskEncryptionSets|\bDES\b/i },
  { name: "Azure Backup", pattern: /Azure Backup|Backup vault|Recovery Services|\bUserError(?:CMK|Keyvault)/i },
  {
    name: "Azure SQL (transparent data encryption)",
    pattern:
      /\bTDE\b|TDE protector|Azure SQL|SQL Server|Microsoft\.Sql\/|managed instance|\bAzureKeyVault(?:NoServerIdentity|KeyNameNotFound|MissingPermissions|KeyDisabled|ConnectionFailed)\b|\bServerKey/i,
  },
  {
    name: "an Azure Storage account",
    pattern:
      /storage account|Microsoft\.Storage\/storageAccounts|\bKeyVault(?:EncryptionKeyNotFound|VaultNotFound|AccessTokenCannotBeAcquired)\b/i,
  },
  { name: "Azure Cosmos DB", pattern: /cosmos ?db|Microsoft\.DocumentDB/i },
  { name: "Azure Data Box", pattern: /Data ?Box|\bSsemUserError/i },
  { name: "Azure NetApp Files", pattern: /NetApp/i },
  {
    name: "a Log Analytics dedicated cluster (Azure Monitor)",
    pattern: /Log Analytics|Microsoft\.OperationalInsights/i,
  },
  { name: "AKS (KMS etcd encryption)", pattern: /\bAKS\b|KeyVaultKms|\bKMS\b/ },
  { name: "Azure App Configuration", pattern: /App ?Configuration/i },
  { name: "Azure Event Hubs", pattern: /event ?hubs?\b/i },
  { name: "Azure Database for PostgreSQL", pattern: /postgre/i },
  { name: "Azure Database for MySQL", pattern: /mysql/i },
  { name: "Azure Data Factory", pattern: /data ?factory/i },
];

/** The other Azure service a CMK error comes from, or undefined when it is about a registry or names no service. */
export function otherServiceIn(text: string): string | undefined {
  if (ABOUT_A_REGISTRY.test(text)) return undefined;
  return SERVICES.find(({ pattern }) => pattern.test(text))?.name;
}
