// Triage: name the CMK cause behind an error an engineer pasted (az output, a JSON body, a stack trace, a Slack
// thread). Pure and synchronous: the same text always gives the same answer, and nothing here calls Azure.
import type { RunbookId, TriageCause, TriageResult } from "./types.js";
import { readClauses } from "./triage/clauses.js";
import { otherServiceIn, registryIn } from "./triage/context.js";
import { normalise, rawSpan } from "./triage/normalise.js";
import { CAUSE_PRECEDENCE, SIGNALS, type NamedCause, type Signal } from "./triage/signals.js";

export const RUNBOOK_FOR_CAUSE: Readonly<Record<TriageCause, RunbookId | null>> = {
  "key-deleted": "key-deleted",
  "identity-removed": "identity-removed",
  "firewall-403": "firewall-403",
  "access-revoked": "restore",
  "key-disabled": "restore",
  unknown: null,
};

export const CAUSE_TITLES: Readonly<Record<TriageCause, string>> = {
  "key-deleted": "the encryption key or its key vault was deleted (or can no longer be found)",
  "identity-removed": "the registry's encryption identity was removed or is no longer usable",
  "firewall-403": "the key vault's firewall or private-network settings block access to the key",
  "access-revoked": "the encryption identity lost its permissions on the key (get, wrapKey, unwrapKey)",
  "key-disabled": "the encryption key is disabled, expired or not yet valid",
  unknown: "no customer-managed-key cause recognised",
};

interface Hit {
  signal: Signal;
  index: number;
  length: number;
}

function firstHit(text: string, signal: Signal): Hit | undefined {
  if (signal.requires?.some((context) => !context.test(text))) return undefined;
  if (signal.vetoes?.some((context) => context.test(text))) return undefined;
  const match = signal.pattern.exec(text);
  return match ? { signal, index: match.index, length: match[0].length } : undefined;
}

function precedence(cause: NamedCause): number {
  return CAUSE_PRECEDENCE.indexOf(cause);
}

/** Strongest signal first; between equals, the cause that makes the others moot; then the earliest in the text. */
function stronger(a: Hit, b: Hit): Hit {
  if (a.signal.weight !== b.signal.weight) return a.signal.weight > b.signal.weight ? a : b;
  const byCause = precedence(a.signal.cause) - precedence(b.signal.cause);
  if (byCause !== 0) return byCause < 0 ? a : b;
  return a.index <= b.index ? a : b;
}

/**
 * A fact read from a sentence (triage/clauses.ts): stronger than ACR's generic "cannot use the key" sentences, weaker
 * than any code or message that names one cause outright.
 */
const CLAUSE_WEIGHT = 60;

function clauseSignal(cause: NamedCause): Signal {
  return { id: `clause.${cause}`, cause, weight: CLAUSE_WEIGHT, pattern: /(?!)/ };
}

export function triage(pasted: string): TriageResult {
  const canonical = normalise(pasted);
  let best: Hit | undefined;
  for (const signal of SIGNALS) {
    const hit = firstHit(canonical.text, signal);
    if (hit) best = best ? stronger(best, hit) : hit;
  }
  const clauses = readClauses(canonical.text);
  // Facts that disagree (the key is gone here, the identity there) settle nothing unless a stronger signal does.
  const clauseCauses = new Set(clauses.map((c) => c.cause));
  if (clauseCauses.size === 1 && (!best || best.signal.weight < CLAUSE_WEIGHT)) {
    const first = clauses[0] as (typeof clauses)[number];
    best = { signal: clauseSignal(first.cause), index: first.index, length: first.length };
  } else if (clauseCauses.size > 1 && best && best.signal.weight < CLAUSE_WEIGHT) {
    best = undefined;
  }
  if (!best) return { cause: "unknown", runbook: null, evidence: "" };
  const registry = registryIn(canonical.text);
  const service = registry ? undefined : otherServiceIn(canonical.text);
  return {
    cause: best.signal.cause,
    runbook: RUNBOOK_FOR_CAUSE[best.signal.cause],
    evidence: rawSpan(pasted, canonical, best.index, best.index + best.length),
    ...(registry ? { registry } : {}),
    ...(service ? { service } : {}),
  };
}
