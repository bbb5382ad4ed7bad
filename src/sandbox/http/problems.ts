// Errors the simulated services answer with. Handlers throw a ServiceError; the dispatcher turns it into the body
// shape of the service that raised it (ARM and Key Vault: {error:{code,message,innererror?}}; ACR data plane:
// {errors:[{code,message,detail}]}).

export type ErrorStyle = "arm" | "keyvault" | "acr";

export class ServiceError extends Error {
  override readonly name = "ServiceError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: { innerCode?: string; innerMessage?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
  }
}

export function errorBody(style: ErrorStyle, error: ServiceError): unknown {
  if (style === "acr") return { errors: [{ code: error.code, message: error.message, detail: null }] };
  const body: { code: string; message: string; innererror?: { code: string; message?: string } } = {
    code: error.code,
    message: error.message,
  };
  const { innerCode, innerMessage } = error.extra;
  if (innerCode) body.innererror = { code: innerCode, ...(innerMessage ? { message: innerMessage } : {}) };
  return { error: body };
}

/** ARM's 404 for a resource (https://aka.ms/ARMResourceNotFoundFix is the suffix newer ARM appends). */
export function resourceNotFound(type: string, name: string, resourceGroup: string): ServiceError {
  return new ServiceError(
    404,
    "ResourceNotFound",
    `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

export function badRequest(message: string, code = "BadRequest"): ServiceError {
  return new ServiceError(400, code, message);
}
