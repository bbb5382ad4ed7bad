// The fleet port a fleet command uses: the embedded sandbox with --sandbox (Resource Graph and every subscription's
// port over the sandbox's in-process transport), the cloud otherwise. Lives with the CLI's wiring: src/azure never
// loads the simulator.
import { createSandboxCredential } from "../azure/credentials.js";
import type { AzureTarget } from "../azure/factory.js";
import { assemble, createCloudFleet, SANDBOX_RETRIES } from "../azure/fleet.js";
import type { FleetAzure, FleetAzureOptions } from "../azure/fleet-types.js";
import { createSandboxHttpClient } from "../azure/sandbox-transport.js";
import { UsageError } from "../errors.js";
import { createSandboxHandler } from "../sandbox/handler.js";
import { fileStore, type WorldStore } from "../sandbox/store.js";
import { createSandboxAzure } from "./sandbox-azure.js";

/** The fleet over the embedded sandbox (state file or store). */
export function createSandboxFleet(
  options: { stateFile?: string; store?: WorldStore } & FleetAzureOptions,
): FleetAzure {
  if (!options.store && !options.stateFile) throw new UsageError("sandbox: give a state file or a store");
  const store = options.store ?? fileStore(options.stateFile as string);
  const onResponse = {
    ...(options.onResponse ? { onResponse: options.onResponse } : {}),
    ...(options.gate ? { gate: options.gate } : {}),
    retryOptions: SANDBOX_RETRIES,
  };
  // The first port reads the state file once and says clearly when there is no sandbox.
  const first = createSandboxAzure({
    store,
    ...(options.stateFile ? { stateFile: options.stateFile } : {}),
    ...onResponse,
  });
  const httpClient = createSandboxHttpClient(createSandboxHandler({ store }));
  return assemble({
    place: first.place,
    credential: createSandboxCredential(),
    settings: { httpClient, ...onResponse },
    defaultSubscription: first.subscriptionId,
    port: (subscriptionId) =>
      subscriptionId.toLowerCase() === first.subscriptionId.toLowerCase()
        ? first
        : createSandboxAzure({
            store,
            subscriptionId,
            ...(options.stateFile ? { stateFile: options.stateFile } : {}),
            ...onResponse,
          }),
  });
}

/** What a fleet command uses: the sandbox with --sandbox, the cloud (DefaultAzureCredential) otherwise. */
export async function createFleetAzureForCli(
  globals: AzureTarget,
  env: NodeJS.ProcessEnv,
  options: FleetAzureOptions = {},
): Promise<FleetAzure> {
  if (globals.sandbox) return createSandboxFleet({ stateFile: globals.sandbox, ...options });
  return createCloudFleet(globals, env, options);
}
