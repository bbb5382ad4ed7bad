// The public surface of the sandbox: what the CLI, src/azure and tests use. Anything not exported here is internal.
export * from "./world.js";
export {
  fileStore,
  initFileStore,
  liveWorldClock,
  memoryStore,
  parseWorld,
  SandboxStateError,
  type WorldStore,
} from "./store.js";
export { advanceClock, applyRetentionExpiry, applyTimeEffects, worldNow } from "./clock.js";
export {
  identityId,
  keyId,
  newGuid,
  newKeyVersion,
  parseKeyId,
  registryId,
  resourceGroupId,
  roleAssignmentId,
  roleDefinitionId,
  vaultResourceId,
  vaultUri,
  type ParsedKeyId,
} from "./ids.js";
export {
  applyAutoRotation,
  encryptionIdentityLabel,
  hasKeyPermissions,
  identityAccessMessage,
  IDENTITY_INACTIVE_MESSAGE,
  keyAccessMessage,
  principalForEncryptionIdentity,
  registryKeyAccess,
  resolveRegistryKey,
  type KeyAccess,
  type KeyUse,
  type ResolvedRegistryKey,
} from "./health.js";
export {
  createWorld,
  demoNames,
  DEMO_RESOURCE_GROUP,
  MAX_FLEET_REGISTRIES,
  MAX_REGISTRIES,
  newRsaKeyVersion,
  planScenario,
  SCENARIO_DESCRIPTIONS,
  SCENARIO_NAMES,
  type ScenarioName,
  type ScenarioOptions,
  type ScenarioPlan,
} from "./scenarios.js";
export {
  breakWorld,
  findRegistry,
  IncidentError,
  INCIDENT_NAMES,
  isIncidentName,
  type IncidentName,
  type IncidentResult,
} from "./incidents.js";
export {
  allHealthy,
  formatStatus,
  healthWord,
  sandboxStatus,
  type RegistryStatus,
  type SandboxStatus,
  type VaultStatus,
} from "./status.js";
export { DurationError, formatDuration, parseDuration } from "./duration.js";
export {
  createSandboxHandler,
  SandboxNetworkError,
  type SandboxHandler,
  type SandboxRequest,
  type SandboxResponse,
} from "./handler.js";
export { OPERATOR_CLIENT_ADDRESS } from "./http/keyvault-gate.js";
export { keyDeletionMs } from "./key-deletion.js";
export {
  allSubscriptions,
  containerGroupKeyAccess,
  containerGroupKeyId,
  containerGroups,
  findSubscription,
  inSubscription,
  subscriptionOf,
} from "./fleet.js";
export { FLEET_RESOURCE_GROUP, fleetNames, type FleetOptions, type FleetPlan } from "./fleet-scenario.js";
export { ARM_READ_BUDGET } from "./http/read-budget.js";
export { RECOGNISED_QUERIES } from "./http/resource-graph-resources.js";
export {
  clientFromUserAgent,
  DEFAULT_ACTOR,
  recordChanges,
  recordRegistryUnwrap,
  vaultAudited,
  type ChangeCaller,
} from "./change-log.js";
export { AUDIT_LOGS_MODES, AUDIT_SETTING_NAME, AUDIT_WORKSPACE_NAME, type AuditLogsMode } from "./audit-logs.js";
