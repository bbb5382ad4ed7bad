// Credentials: the real DefaultAzureCredential for the cloud (loaded only when needed: @azure/identity pulls in MSAL),
// and an opaque stand-in for the sandbox, which accepts any bearer token.
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";

/** Far enough ahead that no pipeline ever refreshes it during a run, however long the run. */
const SANDBOX_TOKEN_LIFETIME_MS = 365 * 24 * 60 * 60 * 1000;

/**
 * A credential for the sandbox: an opaque dummy token (not a JWT, so nothing mistakes it for a real one) with a far
 * expiry. The SDK still runs its whole bearer/challenge flow with it, over the real https URLs.
 */
export function createSandboxCredential(): TokenCredential {
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
      if (options?.abortSignal?.aborted) {
        throw Object.assign(new Error("The operation was aborted."), { name: "AbortError" });
      }
      const scope = Array.isArray(scopes) ? scopes.join(" ") : scopes;
      return {
        token: `acr-cmk-sandbox-token:${Buffer.from(scope).toString("base64url")}`,
        expiresOnTimestamp: Date.now() + SANDBOX_TOKEN_LIFETIME_MS,
        tokenType: "Bearer",
      };
    },
  };
}

/** DefaultAzureCredential (environment, workload identity, managed identity, az / azd / PowerShell sign-in). */
export async function createCloudCredential(options: { tenantId?: string } = {}): Promise<TokenCredential> {
  const { DefaultAzureCredential } = await import("@azure/identity");
  return new DefaultAzureCredential(options.tenantId ? { tenantId: options.tenantId } : {});
}
