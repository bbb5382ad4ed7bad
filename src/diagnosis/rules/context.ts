// What every rule gets besides the snapshot: how to spell the next command, and small helpers the rules share.
import { cliRunCommand } from "../../runbooks/catalogue.js";
import type { Finding, ReadFailure, RunbookId } from "../types.js";
import type { DiagnosisSnapshot } from "../snapshot.js";

export interface RuleContext {
  /** How the user invokes acr-cmk, e.g. "acr-cmk" or "acr-cmk --sandbox /tmp/world.json". */
  invocation: string;
}

export type Rule = (snapshot: DiagnosisSnapshot, ctx: RuleContext) => Finding[];

/** Rules that judge symptoms need to know which causes were already found. */
export type SymptomRule = (snapshot: DiagnosisSnapshot, ctx: RuleContext, causes: readonly Finding[]) => Finding[];

/** The exact acr-cmk command that starts the runbook for this registry. */
export function runbookCommand(snapshot: DiagnosisSnapshot, ctx: RuleContext, runbook: RunbookId): string {
  const { resourceGroup, name } = snapshot.registry;
  return `${ctx.invocation} ${cliRunCommand(runbook)} -g ${resourceGroup} -r ${name}`;
}

/** A failed read as evidence: the code and status Azure answered, never a token or a body. */
export function failureEvidence(error: ReadFailure): Record<string, unknown> {
  return {
    kind: error.kind,
    ...(error.statusCode !== undefined ? { statusCode: error.statusCode } : {}),
    ...(error.code ? { code: error.code } : {}),
    ...(error.innerCode ? { innerCode: error.innerCode } : {}),
  };
}

/** The vault name a human would recognise, whatever state it is in. */
export function vaultName(snapshot: DiagnosisSnapshot): string {
  return snapshot.keyRef?.vaultName ?? "(unknown vault)";
}

export function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function daysBetween(fromIso: string, toIso: string): number {
  return (Date.parse(toIso) - Date.parse(fromIso)) / DAY_MS;
}

export type VaultState = "live" | "soft-deleted" | "gone" | "outside-subscription" | "unknown";

/** Live, soft-deleted, gone (purged or never existed), or in another subscription (the key still answers). */
export function vaultState(snapshot: DiagnosisSnapshot): VaultState {
  const { vault, deletedVault, key } = snapshot;
  if (!vault?.ok) return "unknown";
  if (vault.value) return "live";
  if (deletedVault?.ok && deletedVault.value) return "soft-deleted";
  if (key?.ok) return "outside-subscription";
  if (deletedVault?.ok) return "gone";
  return "unknown";
}

export type KeyState = "present" | "soft-deleted" | "purged" | "unreadable" | "unknown";

export function keyState(snapshot: DiagnosisSnapshot): KeyState {
  const { key, deletedKey } = snapshot;
  if (!key) return "unknown";
  if (key.ok) return "present";
  if (key.error.kind !== "key-not-found") return "unreadable";
  if (deletedKey?.ok) return deletedKey.value ? "soft-deleted" : "purged";
  return "unknown";
}

/** Object id of the principal the registry uses to reach its key, when it can be known. */
export function encryptionPrincipalId(snapshot: DiagnosisSnapshot): string | undefined {
  const identity = snapshot.identity;
  if (!identity) return undefined;
  if (identity.kind === "system") return identity.principalId;
  if (!identity.assigned) return undefined;
  return identity.assigned.principalId ?? (identity.resource?.ok ? identity.resource.value.principalId : undefined);
}
