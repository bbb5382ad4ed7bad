// What every listener gets: the RunEngine and the pure diagnosis functions, the people allowed to approve, the clock,
// and the app's own helpers (run messages, click dedupe, per-run queue, ack-first scheduling, log).
import type { RegistryRef } from "../azure/types.js";
import type { DiagnosisReport } from "../diagnosis/diagnose.js";
import type { ContainerGroupDiagnosis } from "../diagnosis/fleet/container-group.js";
import type { ScanReport } from "../diagnosis/fleet/scan.js";
import type { TriageResult } from "../diagnosis/types.js";
import type { RunEngine } from "../runs/types.js";
import type { AckFirst } from "./ack-first.js";
import type { ClickDedupe, PerRunQueue } from "./dedupe.js";
import type { SlackLog } from "./log.js";
import type { RunMessages } from "./run-messages.js";

export interface SlackDeps {
  engine: RunEngine;
  diagnose: (ref: RegistryRef) => Promise<DiagnosisReport>;
  /** `/acr-cmk scan`: every CMK resource the app's identity can read; absent where the app was built without it. */
  scan?: () => Promise<ScanReport>;
  /** A container group's diagnosis by resource id (null: not there); absent where the app was built without it. */
  diagnoseContainerGroup?: (id: string) => Promise<ContainerGroupDiagnosis>;
  triage: (text: string) => TriageResult;
  /** Slack user ids from ACR_CMK_APPROVERS; the engine is built with the same list and is the one that decides. */
  approvers: readonly string[];
  approvalTtlMs: number;
  now: () => Date;
  messages: RunMessages;
  dedupe: ClickDedupe;
  queue: PerRunQueue;
  /** Work after an acknowledgement waits its turn here, so a burst of requests is acknowledged first. */
  ackFirst: AckFirst;
  log: SlackLog;
}

/** Who may act on a run besides approving (choose, ask again, retry, reject): its requester and the approvers. */
export function mayDrive(deps: SlackDeps, userId: string, requester: string): boolean {
  return userId === requester || deps.approvers.includes(userId);
}
