// Turns a request the proxy answered into its operation's method and path template, in the parameter names of the
// REST API specs (Azure/azure-rest-api-specs), so that tests can say which Azure operations a real client exercised.
import type { ProxiedRequest } from "../../src/sandbox/proxy/server.js";

const ARM_PARAMETER: Record<string, string> = {
  subscriptions: "{subscriptionId}",
  resourcegroups: "{resourceGroupName}",
  registries: "{registryName}",
  vaults: "{vaultName}",
  deletedvaults: "{vaultName}",
  userassignedidentities: "{resourceName}",
  roleassignments: "{roleAssignmentName}",
  roledefinitions: "{roleDefinitionId}",
  locations: "{location}",
  accesspolicies: "{operationKind}",
  operationstatuses: "{operationId}",
};

function armTemplate(segments: string[]): string {
  const out: string[] = [];
  let expectName: string | undefined;
  let afterProviders = false;
  for (const segment of segments) {
    if (expectName) {
      out.push(expectName);
      expectName = undefined;
      continue;
    }
    out.push(segment);
    if (afterProviders) {
      afterProviders = false; // the namespace itself
      continue;
    }
    const lower = segment.toLowerCase();
    if (lower === "providers") afterProviders = true;
    else expectName = ARM_PARAMETER[lower] ?? (out.length > 2 ? "{name}" : undefined);
  }
  return `/${out.join("/")}`;
}

const KEY_ACTIONS = new Set(["create", "recover", "backup", "restore", "rotate", "versions", "rotationpolicy"]);

function vaultTemplate(segments: string[]): string {
  const [collection, name, rest] = segments;
  if (!collection) return "/";
  const parts = [collection];
  if (name !== undefined) parts.push(KEY_ACTIONS.has(name.toLowerCase()) ? name : "{key-name}");
  if (rest !== undefined) parts.push(KEY_ACTIONS.has(rest.toLowerCase()) ? rest : "{key-version}");
  parts.push(...segments.slice(3));
  return `/${parts.join("/")}`;
}

export function operationTemplate(request: ProxiedRequest): string {
  const segments = request.path.split("/").filter(Boolean);
  let host = request.host;
  let path: string;
  if (host.endsWith(".vault.azure.net")) {
    host = "{vaultName}.vault.azure.net";
    path = vaultTemplate(segments);
  } else if (host.endsWith(".azurecr.io")) {
    host = "{registryName}.azurecr.io";
    path = `/${segments.join("/")}`;
  } else if (host.startsWith("login.")) {
    path = `/${["{tenant}", ...segments.slice(1)].join("/")}`;
  } else {
    path = armTemplate(segments);
  }
  return `${request.method} ${host}${path}`;
}
