// The public surface of src/azure: the port's types, the factories that build it, id parsing and error mapping.
export * from "./types.js";
export { createCmkAzure, type CmkAzureOptions, type ResponseRecord } from "./cmk-azure.js";
export {
  createCloudAzure,
  createCloudSubscriptionDirectory,
  createInProcessAzure,
  listInProcessSubscriptions,
  type CliAzureOptions,
  type InProcessAzureOptions,
  type SubscriptionDirectory,
} from "./factory.js";
export {
  createSandboxHttpClient,
  type InProcessRequest,
  type InProcessResponse,
  type InProcessService,
} from "./sandbox-transport.js";
export { listSubscriptions, type SubscriptionClientSettings } from "./subscriptions.js";
export { createRemoteSandboxAzure, type RemoteSandboxAzureOptions } from "./remote-sandbox.js";
export { createCloudCredential, createSandboxCredential } from "./credentials.js";
export { callAzure, InvalidRequestError, redactSecrets, toAzureFailure } from "./errors.js";
export * from "./ids.js";
