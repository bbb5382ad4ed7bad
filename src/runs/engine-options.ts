// What a run engine is opened with, and its defaults.
import { randomBytes } from "node:crypto";
import type { CmkAzure } from "../azure/types.js";
import type { RunbookId } from "../diagnosis/types.js";
import type { RunbookActorOptions, RunbookDefinition } from "../machines/protocol.js";
import type { AzureResponseRecorder } from "./azure-calls.js";
import type { Clock } from "./run-journal.js";

export interface RunEngineOptions {
  /** ACR_CMK_HOME: the run database lives here unless `store` names a shared one. */
  home: string;
  /** ACR_CMK_STORE: an Azure Storage account shared by every process; unset = the SQLite file in `home`. */
  store?: string;
  azure: CmkAzure;
  runbooks: Partial<Record<RunbookId, RunbookDefinition>>;
  clock?: Clock;
  /** How long an approval request stays valid (default 15 minutes). */
  approvalTtlMs?: number;
  /** Who may approve other people's changes; empty or absent = anyone but the requester. */
  approvers?: readonly string[];
  /** How often a durable wait (rotation pickup) is asked to look again (default 30 s). */
  pollIntervalMs?: number;
  /** How long a registry lock outlives its owner's last heartbeat (default 60 s). */
  lockTtlMs?: number;
  /** Collects Azure request ids; pass its `onResponse` to the port's factory. */
  responses?: AzureResponseRecorder;
  newRunId?: () => string;
  /** Handed to each runbook's actors: the clock Azure's state follows (the sandbox's own clock in sandbox mode). */
  actorOptions?: RunbookActorOptions;
}

export const DEFAULT_APPROVAL_TTL_MS = 15 * 60_000;
export const DEFAULT_POLL_MS = 30_000;
export const DEFAULT_LOCK_TTL_MS = 60_000;

export function defaultRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${stamp}-${randomBytes(3).toString("hex")}`;
}
