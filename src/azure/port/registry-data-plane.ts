// The registry's own data plane: listing repositories exercises the AAD → ACR token exchange and, on a CMK registry,
// the service's access to its key. Any HTTP answer is a finding (returned, not thrown); no answer at all is a failure.
import { isRestError } from "@azure/core-rest-pipeline";
import { callAzure, redactSecrets } from "../errors.js";
import type { CallOptions, RegistryDataPlaneCheck, RegistryInfo } from "../types.js";
import type { SdkClients } from "./clients.js";

function dataPlaneCode(error: { code?: string; details?: unknown }): string | undefined {
  if (error.code) return error.code;
  const errors = (error.details as { errors?: Array<{ code?: unknown }> } | undefined)?.errors;
  const code = Array.isArray(errors) ? errors[0]?.code : undefined;
  return typeof code === "string" ? code : undefined;
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
          const code = dataPlaneCode(error);
          return {
            ok: false,
            status: error.statusCode,
            ...(code ? { code } : {}),
            message: redactSecrets(error.message),
          };
        }
        throw error;
      }
    });
  };
}
