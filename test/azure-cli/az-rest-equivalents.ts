// Debian's azure-cli 2.45 cannot run `az keyvault key …` ("No module named 'azure.keyvault.v7_0'") nor
// `az role assignment …` ("'RoleDefinitionsOperations' object has no attribute 'config'"): packaging defects of that
// build. For those two families the printed command is parsed, every flag checked, and run as the REST calls the
// command makes (the Key Vault REST API, https://learn.microsoft.com/en-us/rest/api/keyvault/keys/, and
// Microsoft.Authorization role assignments, https://learn.microsoft.com/en-us/rest/api/authorization/role-assignments/).
// Every other printed command runs as printed.

/** Splits a command line as a POSIX shell would for the quoting acr-cmk prints (double and single quotes). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let current = "";
  let quote: '"' | "'" | undefined;
  let inWord = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unbalanced quote in: ${line}`);
  if (inWord) words.push(current);
  return words;
}

/** `--flag value` pairs after the command words; a flag the command does not take is an error. */
function flags(words: string[], known: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (!word.startsWith("--")) throw new Error(`unexpected argument '${word}'`);
    const name = word.slice(2);
    if (!known.includes(name))
      throw new Error(`flag --${name} is not one this translation knows (${known.join(", ")})`);
    const value = words[i + 1];
    if (value === undefined || value.startsWith("--")) throw new Error(`--${name} needs a value`);
    out[name] = value;
    i++;
  }
  return out;
}

function need(values: Record<string, string>, ...names: string[]): string[] {
  return names.map((name) => {
    const value = values[name];
    if (value === undefined) throw new Error(`--${name} is required`);
    return value;
  });
}

/** One Azure CLI invocation, and whether its answer must then be polled until the object exists. */
export interface AzStep {
  args: string[];
  /** Key Vault recovers asynchronously: GET this data-plane URL until it answers 200 (as `az keyvault key recover` waits). */
  pollUntilFound?: string;
  /** Write the answer's `value` here (a key backup's blob). */
  saveValueTo?: string;
}

export interface Equivalent {
  steps: AzStep[];
  /** Runs the printed command itself, or the REST calls it stands for. */
  translated: boolean;
}

const KV_API = "api-version=7.4";
const ROLE_API = "api-version=2022-04-01";

/** Built-in role definition ids are the same in every tenant (https://learn.microsoft.com/en-us/azure/role-based-access-control/built-in-roles). */
const BUILT_IN_ROLES: Record<string, string> = {
  "Key Vault Crypto Service Encryption User": "e147488a-f6f5-4113-8e2d-b22465e65bf6",
};

function kvRest(method: string, vault: string, path: string, body?: unknown): string[] {
  return [
    "rest",
    "--method",
    method,
    "--url",
    `https://${vault}.vault.azure.net${path}?${KV_API}`,
    "--resource",
    "https://vault.azure.net",
    ...(body === undefined ? [] : ["--body", JSON.stringify(body)]),
  ];
}

function keyCommand(sub: string, rest: string[], backupDir: string): AzStep[] {
  switch (sub) {
    case "recover": {
      const [vault, name] = need(flags(rest, ["vault-name", "name"]), "vault-name", "name");
      return [
        {
          args: kvRest("post", vault!, `/deletedkeys/${name}/recover`),
          pollUntilFound: `https://${vault}.vault.azure.net/keys/${name}?${KV_API}`,
        },
      ];
    }
    case "set-attributes": {
      const values = flags(rest, ["vault-name", "name", "version", "enabled", "expires"]);
      const [vault, name, version] = need(values, "vault-name", "name", "version");
      const attributes: Record<string, unknown> = {};
      if (values.enabled !== undefined) {
        if (values.enabled !== "true" && values.enabled !== "false") throw new Error("--enabled takes true or false");
        attributes.enabled = values.enabled === "true";
      }
      if (values.expires !== undefined) {
        const ms = Date.parse(values.expires);
        if (Number.isNaN(ms)) throw new Error(`--expires '${values.expires}' is not a date`);
        attributes.exp = Math.floor(ms / 1000);
      }
      if (Object.keys(attributes).length === 0) throw new Error("set-attributes changes nothing");
      return [{ args: kvRest("patch", vault!, `/keys/${name}/${version}`, { attributes }) }];
    }
    case "create": {
      const values = flags(rest, ["vault-name", "name", "kty", "size"]);
      const [vault, name, kty] = need(values, "vault-name", "name", "kty");
      const body = { kty, ...(values.size ? { key_size: Number(values.size) } : {}) };
      return [{ args: kvRest("post", vault!, `/keys/${name}/create`, body) }];
    }
    case "backup": {
      const [vault, name, file] = need(flags(rest, ["vault-name", "name", "file"]), "vault-name", "name", "file");
      return [{ args: kvRest("post", vault!, `/keys/${name}/backup`), saveValueTo: `${backupDir}/${file}` }];
    }
    default:
      throw new Error(`az keyvault key ${sub} has no REST translation here`);
  }
}

function roleCommand(sub: string, rest: string[], subscriptionId: string): AzStep[] {
  if (sub === "create") {
    const values = flags(rest, ["assignee-object-id", "assignee-principal-type", "role", "scope"]);
    const [principalId, principalType, role, scope] = need(
      values,
      "assignee-object-id",
      "assignee-principal-type",
      "role",
      "scope",
    );
    const roleId = BUILT_IN_ROLES[role!];
    if (!roleId) throw new Error(`role '${role}' is not a built-in role this translation knows`);
    const body = {
      properties: {
        roleDefinitionId: `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`,
        principalId,
        principalType,
      },
    };
    const url = `https://management.azure.com${scope}/providers/Microsoft.Authorization/roleAssignments/${crypto.randomUUID()}?${ROLE_API}`;
    return [{ args: ["rest", "--method", "put", "--url", url, "--body", JSON.stringify(body)] }];
  }
  if (sub === "delete") {
    const values = flags(rest, ["ids"]);
    const [id] = need(values, "ids");
    return [{ args: ["rest", "--method", "delete", "--url", `https://management.azure.com${id}?${ROLE_API}`] }];
  }
  throw new Error(`az role assignment ${sub} has no REST translation here`);
}

/** What to run for a printed `az …` line. */
export function azEquivalent(printed: string, context: { subscriptionId: string; backupDir: string }): Equivalent {
  const words = shellWords(printed);
  if (words[0] !== "az") throw new Error(`not an az command: ${printed}`);
  if (words.some((w) => w === "#" || w.startsWith("#")))
    throw new Error(`the printed command carries a comment: ${printed}`);
  const [, group, noun, verb, ...rest] = words;
  if (group === "keyvault" && noun === "key") {
    return { steps: keyCommand(verb ?? "", rest, context.backupDir), translated: true };
  }
  if (group === "role" && noun === "assignment") {
    return { steps: roleCommand(verb ?? "", rest, context.subscriptionId), translated: true };
  }
  return { steps: [{ args: words.slice(1) }], translated: false };
}
