// The registry's own data plane: listing repositories exercises the AAD → ACR token exchange and, on a CMK registry,
// the service's access to its key. Any HTTP answer is a finding (returned, not thrown); no answer at all is a failure.
import { isRestError } from "@azure/core-rest-pipeline";
import { callAzure, redactSecrets, restErrorFacts } from "../errors.js";
import type { CallOptions, RegistryDataPlaneCheck, RegistryInfo } from "../types.js";
import type { SdkClients } from "./clients.js";

/** A body that is not the registry's JSON (a gateway's HTML page) is cut to something a chat message can carry. */
const MAX_RAW_MESSAGE = 300;

function readable(message: string): string {
  const oneLine = message.replace(/\s+/g, " ").trim();
  return oneLine.length > MAX_RAW_MESSAGE ? `${oneLine.slice(0, MAX_RAW_MESSAGE)}…` : oneLine;
}

export function registryDataPlaneCheck(clients: SdkClients) {
  return async function checkRegistryDataPlane(
    registry: RegistryInfo,
    options?: CallOptions,
  ): Promise<RegistryDataPlaneCheck> {
    const loginServer = registry.loginServer ?? `${registry.name.toLowerCase()}.azurecr.io`;
    const client = clients.registryDataPlane(loginServer);
    return callAzure(`list repositories of registry ${registry.name}`, async () => {
      try {
        const pages = client.listRepositoryNames({ abortSignal: options?.abortSignal }).byPage({ maxPageSize: 1 });
        await pages.next();
        return { ok: true, status: 200 };
      } catch (error) {
        if (isRestError(error) && error.statusCode !== undefined) {
          // ACR answers {"errors":[{"code","message","detail"}]}: its first error's code and message, not the raw JSON.
          const { code, message } = restErrorFacts(error);
          return {
            ok: false,
            status: error.statusCode,
            ...(code ? { code } : {}),
            message: redactSecrets(message ?? readable(error.message || `HTTP ${error.statusCode}`)),
          };
        }
        throw error;
      }
    });
  };
}
