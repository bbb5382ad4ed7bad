// The vocabulary a runbook speaks to its drivers: a state's meta, what an approval or a choice asks, the target.
// Machines define it; src/runs re-exports it to the drivers (runs may import machines, never the other way round).

export type StepKind = "check" | "change" | "wait" | "verify" | "manual" | "approval" | "final";
export type Risk = "none" | "low" | "medium" | "high";

/** The text every driver shows for a state; it comes from the state's `meta`. */
export interface StepMeta {
  title: string;
  why: string;
  kind: StepKind;
  risk: Risk;
  /** Equivalent Azure CLI command (may contain <placeholders> filled from the run's context). */
  az?: string;
  /** Cannot be undone: needs the stronger approval (typing the registry name). */
  irreversible?: boolean;
}

export interface ApprovalRequest {
  stepId: string;
  title: string;
  resource: string;
  before: string;
  after: string;
  az: string;
  risk: Risk;
  irreversible: boolean;
  /** Fingerprint of the Azure state the change was computed from; an approval is void when it no longer matches. */
  fingerprint: string;
  /** Every resource that reads the key this change touches (target first), when more than the target does. */
  blastRadius?: { keyId: string; affected: string[] };
  /** What the approver must type back instead of the registry name (the number of resources a revoke cuts off). */
  confirmText?: string;
  requester: string;
  requestedAt: string;
  expiresAt: string;
}

export interface InputRequest {
  stepId: string;
  prompt: string;
  options: Array<{ id: string; label: string }>;
  /** The option an unattended run (`--yes`) may pick; absent when a person must choose. */
  defaultOption?: string;
}

/** A registry: the shape of every run stored before runs could target container groups. */
export interface RegistryTarget {
  subscriptionId: string;
  resourceGroup: string;
  registry: string;
  containerGroup?: undefined;
}

/**
 * An ACI container group. Its encryption (vault, key, version, identity) is fixed when it is deployed, so only the
 * key's own fixes apply to it: https://learn.microsoft.com/azure/container-instances/container-instances-encrypt-data
 */
export interface ContainerGroupTarget {
  subscriptionId: string;
  resourceGroup: string;
  containerGroup: string;
  registry?: undefined;
}

/** What a run acts for: a registry, or a container group (see src/machines/target.ts for its names and ids). */
export type RunTarget = RegistryTarget | ContainerGroupTarget;
