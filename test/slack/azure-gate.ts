// Holds every Azure call of a harness until the test opens the gate: what the app answers while the gate is closed
// cannot depend on Azure, however fast or slow the machine is (a deterministic stand-in for "acked within 3 s").
import type { CmkAzure } from "../../src/azure/types.js";

export interface AzureGate {
  /** Lets the held calls, and every later one, through. */
  open(): void;
  readonly isOpen: boolean;
  /** Calls that arrived at the gate (held or let through). */
  readonly arrived: readonly string[];
  /** Wraps an Azure port so each of its calls waits for the gate. */
  wrap(azure: CmkAzure): CmkAzure;
}

export function azureGate(): AzureGate {
  let release!: () => void;
  const opened = new Promise<void>((resolve) => (release = resolve));
  const arrived: string[] = [];
  let isOpen = false;
  return {
    open() {
      isOpen = true;
      release();
    },
    get isOpen() {
      return isOpen;
    },
    arrived,
    wrap(azure) {
      return new Proxy(azure, {
        get(target, property, receiver) {
          const value: unknown = Reflect.get(target, property, receiver);
          if (typeof value !== "function") return value;
          return async (...args: unknown[]) => {
            arrived.push(String(property));
            await opened;
            return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          };
        },
      });
    },
  };
}
