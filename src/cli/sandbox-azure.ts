// The sandbox wired under the Azure port: the real SDK clients over the in-process transport, answered by the
// sandbox's handler with the world kept in its state file. Loaded only in sandbox mode (see wiring.ts), so a cloud
// command never loads the simulator.
import { resolve } from "node:path";
import type { ResponseRecord } from "../azure/cmk-azure.js";
import {
  createInProcessAzure,
  listInProcessSubscriptions,
  type InProcessAzureOptions,
  type SubscriptionDirectory,
} from "../azure/factory.js";
import type { CmkAzure } from "../azure/types.js";
import type { RequestGate } from "../azure/port/gate-policy.js";
import { UsageError } from "../errors.js";
import { createSandboxHandler } from "../sandbox/handler.js";
import { findSubscription } from "../sandbox/fleet.js";
import { fileStore, SandboxStateError, type WorldStore } from "../sandbox/store.js";

export interface SandboxAzureOptions {
  /** The sandbox state file (as `--sandbox <file>`); or give `store`. */
  stateFile?: string;
  store?: WorldStore;
  /** Delay per request (ms), on top of the world's own latency setting: benchmarks and timeout tests. */
  latencyMs?: number;
  onResponse?: (record: ResponseRecord) => void;
  /** Another subscription of the sandbox's world than its first (fleet worlds). */
  subscriptionId?: string;
  /** Bounds the requests in flight (the fleet scan). */
  gate?: RequestGate;
  /** Retries instead of the usual three (the fleet scan). */
  retryOptions?: InProcessAzureOptions["retryOptions"];
}

function readSubscription(store: WorldStore, where: string): string {
  try {
    return store.read().subscriptionId;
  } catch (error) {
    if (error instanceof SandboxStateError) {
      // The hint once: "no sandbox at …" already names the command.
      const hint = error.message.includes("sandbox init")
        ? ""
        : ` (run \`acr-cmk sandbox init\` to create the sandbox${where})`;
      throw new UsageError(`${error.message}${hint}`);
    }
    throw error;
  }
}

/** Whether the sandbox's world holds this subscription (a fleet world's others besides its first). */
export function sandboxHasSubscription(stateFile: string, subscriptionId: string): boolean {
  try {
    return findSubscription(fileStore(stateFile).read(), subscriptionId) !== undefined;
  } catch (error) {
    if (error instanceof SandboxStateError) return false;
    throw error;
  }
}

/** The port over the embedded sandbox: real SDK clients, real Azure URLs, the sandbox's in-process HttpClient. */
export function createSandboxAzure(options: SandboxAzureOptions): CmkAzure {
  if (!options.store && !options.stateFile) throw new UsageError("sandbox: give a state file or a store");
  const store = options.store ?? fileStore(options.stateFile as string);
  const worldSubscription = readSubscription(store, options.stateFile ? ` at ${options.stateFile}` : "");
  return createInProcessAzure({
    subscriptionId: options.subscriptionId ?? worldSubscription,
    ...(options.gate ? { gate: options.gate } : {}),
    ...(options.retryOptions ? { retryOptions: options.retryOptions } : {}),
    service: createSandboxHandler({ store, ...(options.latencyMs ? { latencyMs: options.latencyMs } : {}) }),
    place: { kind: "sandbox", ...(options.stateFile ? { stateFile: resolve(options.stateFile) } : {}) },
    ...(options.onResponse ? { onResponse: options.onResponse } : {}),
  });
}

/** The sandbox's directory: its world's subscriptions, listed by the real SubscriptionClient over its transport. */
export function sandboxSubscriptionDirectory(stateFile: string): SubscriptionDirectory {
  const store = fileStore(stateFile);
  const worldSubscription = readSubscription(store, ` at ${stateFile}`);
  const service = createSandboxHandler({ store });
  return {
    listSubscriptions: (options) => listInProcessSubscriptions(service, options),
    async azureFor(subscriptionId, options = {}) {
      // A fleet world lists several subscriptions; any of them can be chosen.
      const chosen = findSubscription(store.read(), subscriptionId.trim());
      if (!chosen) {
        throw new UsageError(`subscription ${subscriptionId} is not the sandbox's (${worldSubscription})`);
      }
      return createSandboxAzure({
        store,
        stateFile,
        subscriptionId: chosen.subscriptionId,
        ...(options.onResponse ? { onResponse: options.onResponse } : {}),
      });
    },
  };
}
