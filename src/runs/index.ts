export { createRunEngine, SqliteRunEngine, type Clock, type RunEngineOptions } from "./engine.js";
export { AzureResponseRecorder, type AzureResponseInfo } from "./azure-calls.js";
export { approvalExpired, checkApproval, checkRejection, needsConfirmation } from "./approval-policy.js";
export { ENDED_STATUSES, endedOrStopped, hasEnded, waitsForPerson } from "./run-status.js";
export { planSteps, fillPlaceholders, targetPlaceholders, type PlannedStep } from "./plan.js";
export { buildRunView, isSettled, statusOf } from "./run-view.js";
export { undoOrder } from "./undo.js";
export * from "./types.js";
export { openRunRecords, type RunRecords } from "./run-records.js";
