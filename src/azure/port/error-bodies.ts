// Keeps the text of every error response, keyed by its request, for toAzureFailure. The modular clients' paging helper
// (buildPagedAsyncIterator → @typespec/ts-http-runtime createRestError) throws a RestError whose response has no
// `bodyAsText` once the body was parsed, and no `details`: the Key Vault `innererror.code` (ForbiddenByFirewall,
// ForbiddenByPolicy, …) and the service's own message would be lost for every paged list. The RestError still carries
// the PipelineRequest, which is the object every policy of the pipeline saw.
import type { PipelinePolicy, PipelineRequest } from "@azure/core-rest-pipeline";

export const ERROR_BODY_POLICY_NAME = "acrCmkErrorBodyPolicy";

/** Weak: a body lives exactly as long as its request (the RestError that carries it). */
const errorBodies = new WeakMap<PipelineRequest, string>();

/**
 * Added per retry to every SDK client: the last attempt's answer is what the caller sees, so a later success forgets
 * an earlier failure (a challenge 401, a retried 503) and a later failure replaces it.
 */
export function errorBodyPolicy(): PipelinePolicy {
  return {
    name: ERROR_BODY_POLICY_NAME,
    async sendRequest(request, next) {
      const response = await next(request);
      if (response.status >= 400 && typeof response.bodyAsText === "string" && response.bodyAsText.length > 0) {
        errorBodies.set(request, response.bodyAsText);
      } else {
        errorBodies.delete(request);
      }
      return response;
    },
  };
}

/** The raw body of the last error response to this request, if the error-body policy saw one. */
export function rememberedErrorBody(request: PipelineRequest | undefined): string | undefined {
  return request ? errorBodies.get(request) : undefined;
}
