// `acr-cmk scan`: every CMK registry and container group the identity can read, from one paged Resource Graph query,
// grouped by key path; each path's vault, key, versions, identity and access are read once (the probe, with the row
// Resource Graph returned standing in for the registry read) and the rules then judge every resource on the path.
// Checks run through an adaptive limiter fed by every HTTP response; a subscription that cannot be read is reported
// as such and the scan goes on with the others.
import type { FleetAzure, FleetInventory } from "../../azure/fleet-types.js";
import { isAzureFailure, type SubscriptionInfo } from "../../azure/types.js";
import { isHealthy } from "../diagnose.js";
import { keyReferenceOf, planIdentity, probeRegistry, type ProbeOptions } from "../probe.js";
import { runRules, type RuleContext } from "../rules/index.js";
import type { DiagnosisSnapshot } from "../snapshot.js";
import type { Finding, RunbookId } from "../types.js";
import { cliRunCommand } from "../../runbooks/catalogue.js";
import {
  containerGroupSubject,
  groupByPath,
  groupWords,
  registrySubject,
  type ResourceType,
  type ScanSubject,
} from "./key-paths.js";
import { AdaptiveLimiter, type LimiterStats } from "./limiter.js";

/** Key paths checked at once; each makes a few reads, which the request limiter paces. */
const MAX_CHECKS = 64;

export interface ScanOptions extends Pick<ProbeOptions, "now" | "missingKeyLook" | "abortSignal">, RuleContext {
  /** Subscriptions to scan; empty or absent: every subscription the identity can see. */
  subscriptions?: string[];
  /** The request limiter the fleet's gate uses, for its figures in the report. */
  limiter?: AdaptiveLimiter;
  /** Called as each resource's verdict is known (the TUI's progressive home). */
  onResult?: (result: ResourceResult) => void;
}

export interface ResourceResult {
  id: string;
  type: ResourceType;
  name: string;
  resourceGroup: string;
  subscriptionId: string;
  keyId: string | null;
  keyVersion: string | null;
  identity: string | null;
  healthy: boolean;
  /** Most severe first. */
  findings: Finding[];
  runbook: RunbookId | null;
}

export interface KeyUsage {
  keyId: string;
  users: string[];
  /** The same users by key version in use. */
  versions: Record<string, string[]>;
}

export interface SubscriptionScan {
  subscriptionId: string;
  displayName: string | null;
  readable: boolean;
  reason: string | null;
}

export interface ScanReport {
  resources: ResourceResult[];
  keys: KeyUsage[];
  subscriptions: SubscriptionScan[];
  stats: { resourceGraphPages: number; keyPaths: number; elapsedMs: number; concurrency: LimiterStats };
}

/** Findings about how a registry is set up that mean nothing for a container group (fixed at deployment). */
const REGISTRY_ONLY = new Set([
  "NOT_PREMIUM",
  "CMK_NOT_ENABLED",
  "ROTATION_MANUAL",
  "NEWER_KEY_VERSION_NOT_APPLIED",
  "ROTATION_PENDING",
]);

/** Runbooks whose fix is the key's, not the resource's: the only ones a container group can follow. */
export const CONTAINER_GROUP_RUNBOOKS: ReadonlySet<RunbookId> = new Set<RunbookId>(["key-deleted", "restore"]);

/** Gone for good: nothing can make the key usable again, so a container group must be redeployed. */
const PURGED = new Set(["KEY_PURGED", "VAULT_PURGED"]);

export function resourceRunbook(type: ResourceType, findings: readonly Finding[]): RunbookId | null {
  const first = findings.find((f) => f.severity !== "info" && f.runbook !== null);
  const runbook = first?.runbook ?? null;
  if (type !== "containerGroup" || !runbook) return runbook;
  return CONTAINER_GROUP_RUNBOOKS.has(runbook) && !findings.some((f) => PURGED.has(f.id)) ? runbook : null;
}

/** Judges one resource with its path's shared reads. */
export function judge(subject: ScanSubject, shared: DiagnosisSnapshot, ctx: RuleContext): Finding[] {
  const plan = planIdentity(subject.info);
  const identity =
    shared.identity?.kind === "user" && plan?.kind === "user" && plan.assigned
      ? { ...shared.identity, assigned: plan.assigned }
      : shared.identity;
  const { keyRef, keyVersionInUse, keyIdentifierProblem } = keyReferenceOf(subject.info);
  const snapshot: DiagnosisSnapshot = {
    ...shared,
    subscriptionId: subject.subscriptionId,
    registry: subject.info,
    ...(keyRef ? { keyRef } : {}),
    ...(keyVersionInUse ? { keyVersionInUse } : {}),
    ...(keyIdentifierProblem ? { keyIdentifierProblem } : {}),
    ...(identity ? { identity } : {}),
  };
  if (!keyVersionInUse) delete snapshot.keyVersionInUse;
  const findings = runRules(snapshot, ctx);
  return subject.type === "containerGroup"
    ? findings.filter((f) => !REGISTRY_ONLY.has(f.id)).map((f) => forContainerGroup(f, subject, ctx))
    : findings;
}

/**
 * A container group's finding names the command that runs its fix for the group (`--id`), when that fix is the key's;
 * a registry's runbook (re-point, identity, firewall) cannot change a group's fixed encryption, so no command is named
 * (resourceRunbook then finds no runbook for the group, and the diagnosis gives the redeploy shape).
 */
function forContainerGroup(registryWords: Finding, subject: ScanSubject, ctx: RuleContext): Finding {
  const finding = {
    ...registryWords,
    title: groupWords(registryWords.title),
    detail: groupWords(registryWords.detail),
  };
  if (!finding.runbook) return finding;
  const { command: _registryCommand, ...rest } = finding;
  if (!CONTAINER_GROUP_RUNBOOKS.has(finding.runbook) || PURGED.has(finding.id)) return rest;
  return { ...rest, command: `${ctx.invocation} ${cliRunCommand(finding.runbook)} --id ${subject.id}` };
}

function uncheckedFinding(error: unknown, subject: ScanSubject): Finding {
  const message = error instanceof Error ? error.message : String(error);
  return {
    id: "KEY_PATH_UNCHECKED",
    severity: "warning",
    title: `Could not check the key of ${subject.type === "registry" ? "registry" : "container group"} '${subject.name}'`,
    detail: `Azure did not answer the key checks after retries (${message}); run \`acr-cmk diagnose --id ${subject.id}\` once it does.`,
    evidence: { kind: isAzureFailure(error) ? error.kind : "unknown" },
    runbook: null,
  };
}

function result(subject: ScanSubject, findings: Finding[]): ResourceResult {
  return {
    id: subject.id,
    type: subject.type,
    name: subject.name,
    resourceGroup: subject.resourceGroup,
    subscriptionId: subject.subscriptionId,
    keyId: subject.keyId,
    keyVersion: subject.keyVersion,
    identity: subject.identity,
    healthy: isHealthy(findings),
    findings,
    runbook: resourceRunbook(subject.type, findings),
  };
}

export function keyUsage(subjects: readonly ScanSubject[]): KeyUsage[] {
  const keys = new Map<string, KeyUsage>();
  for (const s of subjects) {
    if (!s.keyId) continue;
    const entry = keys.get(s.keyId.toLowerCase()) ?? { keyId: s.keyId, users: [], versions: {} };
    entry.users.push(s.id);
    const version = s.keyVersion ?? "unknown";
    entry.versions[version] = [...(entry.versions[version] ?? []), s.id];
    keys.set(s.keyId.toLowerCase(), entry);
  }
  return [...keys.values()];
}

/** Which of the wanted subscriptions can be read: the ones the identity can see. */
function subscriptionScans(wanted: string[] | undefined, visible: SubscriptionInfo[]): SubscriptionScan[] {
  const byId = new Map(visible.map((s) => [s.subscriptionId.toLowerCase(), s]));
  const ids = wanted?.length ? wanted : visible.map((s) => s.subscriptionId);
  return [...new Set(ids.map((id) => id.toLowerCase()))].map((id) => {
    const seen = byId.get(id);
    if (!seen) {
      return {
        subscriptionId: id,
        displayName: null,
        readable: false,
        reason: "not visible to the signed-in identity: it holds no role there, or the subscription does not exist",
      };
    }
    const disabled = seen.state === "Disabled" || seen.state === "Deleted";
    return {
      subscriptionId: seen.subscriptionId,
      displayName: seen.displayName,
      readable: !disabled,
      reason: disabled ? `the subscription is ${seen.state}` : null,
    };
  });
}

const WORST_FIRST = (a: ResourceResult, b: ResourceResult) =>
  Number(a.healthy) - Number(b.healthy) || a.id.localeCompare(b.id);

export async function scanFleet(fleet: FleetAzure, options: ScanOptions): Promise<ScanReport> {
  const started = performance.now();
  const limiter = options.limiter ?? new AdaptiveLimiter();
  const call = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const visible = await fleet.listSubscriptions(call);
  const subscriptions = subscriptionScans(options.subscriptions, visible);
  const readable = subscriptions.filter((s) => s.readable).map((s) => s.subscriptionId);
  const inventory: FleetInventory =
    readable.length > 0
      ? await fleet.inventory(readable, call)
      : { registries: [], containerGroups: [], vaults: [], pages: 0 };
  const subjects = [
    ...inventory.registries.map(registrySubject),
    ...inventory.containerGroups.map(containerGroupSubject),
  ];
  const vaultSubscription = new Map(inventory.vaults.map((v) => [v.name.toLowerCase(), v.subscriptionId]));
  const paths = groupByPath(subjects);
  const results: ResourceResult[] = [];
  const deliver = (r: ResourceResult) => {
    results.push(r);
    options.onResult?.(r);
  };
  const probeOptions: ProbeOptions = {
    dataPlane: false,
    ...(options.now ? { now: options.now } : {}),
    ...(options.missingKeyLook ? { missingKeyLook: options.missingKeyLook } : {}),
    ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
  };
  const ctx: RuleContext = { invocation: options.invocation };

  // Checks are bounded here; the requests they make are paced by the limiter through the port's gate.
  const checks = new AdaptiveLimiter({ initial: MAX_CHECKS, min: MAX_CHECKS, max: MAX_CHECKS });
  await Promise.all(
    [...paths.values()].map((onPath) =>
      checks.run(async () => {
        const first = onPath[0] as ScanSubject;
        // The vault's own subscription answers for it; a vault Resource Graph no longer lists (deleted) is looked
        // for where its users are.
        const where = (first.vaultName && vaultSubscription.get(first.vaultName.toLowerCase())) || first.subscriptionId;
        try {
          const { snapshot } = await probeRegistry(
            fleet.portFor(where),
            { resourceGroup: first.resourceGroup, name: first.name },
            { ...probeOptions, registry: first.info },
          );
          for (const subject of onPath) deliver(result(subject, judge(subject, snapshot, ctx)));
        } catch (error) {
          if (options.abortSignal?.aborted) throw error;
          for (const subject of onPath) deliver(result(subject, [uncheckedFinding(error, subject)]));
        }
      }),
    ),
  );

  return {
    resources: results.sort(WORST_FIRST),
    keys: keyUsage(subjects),
    subscriptions,
    stats: {
      resourceGraphPages: inventory.pages,
      keyPaths: paths.size,
      elapsedMs: Math.round(performance.now() - started),
      concurrency: limiter.snapshot(),
    },
  };
}
