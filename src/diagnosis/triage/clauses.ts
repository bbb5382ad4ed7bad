// Reading what a sentence says about the key path, instead of matching memorised sentences. Every Azure service words
// its customer-managed-key failures differently ("the customer-managed key can't be found", "Azure Key Vault key is
// expired", "the user assigned identity … wasn't found"), but each says the same few things: a subject on the key
// path (the key, its vault, the identity that reaches it) and what happened to it (gone, disabled or expired,
// missing, refused by the network, refused for want of a permission). A clause names a cause only when it states
// one cause as a fact: advice ("ensure", "check if"), hedges ("could be", "may") and lists of alternatives ("disabled
// or deleted") name none, because a wrong runbook at 3 a.m. costs more than a manual diagnosis.
import { VAULT_HOST, type NamedCause } from "./signals.js";

export interface ClauseHit {
  cause: NamedCause;
  /** Canonical-text offsets of the evidence: from the subject (when there is one) to the end of the predicate. */
  index: number;
  length: number;
}

type Subject = "key" | "vault" | "identity" | "other";

const NAME = String.raw`(?: ?'[^']{1,300}'| ?"[^"]{1,300}"| \(name/id\) \S{1,200})?`;

// Subjects, longest first at a given position. A bare "key" counts only when the text is about Key Vault at all
// (KEY_PATH_CONTEXT) and is not somebody else's key (an access key, an SSH key, a partition key …).
const SUBJECTS: readonly { kind: Subject; pattern: RegExp }[] = [
  {
    kind: "key",
    pattern: new RegExp(
      String.raw`\b(?:(?:azure )?key ?vault key|customer[- ]managed (?:encryption )?key|key encryption key|tde protector|(?:data )?encryption key|cmk)\b${NAME}`,
      "gi",
    ),
  },
  {
    kind: "identity",
    pattern: new RegExp(
      String.raw`\b(?:(?:user|system)[- ]assigned (?:managed )?identit(?:y|ies)|managed (?:service )?identit(?:y|ies)(?: \(MSI\))?|msi|service principal|(?:default |encryption |server(?:'s)? |selected |requested )?identity)\b${NAME}|Microsoft\.ManagedIdentity/userAssignedIdentities/[\w-]+`,
      "gi",
    ),
  },
  {
    kind: "vault",
    pattern: new RegExp(
      String.raw`\b(?:azure )?key ?vault\b${NAME}|\bvault '[^']{1,100}'|(?<![\w.-])akv\b|\bmanaged ?hsm\b|Microsoft\.KeyVault/vaults/[\w-]+|${VAULT_HOST}`,
      "gi",
    ),
  },
  {
    kind: "key",
    pattern: new RegExp(
      String.raw`(?<!\b(?:access|api|ssh|public|private|primary|secondary|partition|sort|row|foreign|license|registry|account|shared|host|function|master|signing|sas|cache|lookup|dictionary|pass|storage|subscription)[- ])\bkey\b(?! ?(?:vault|name|rotation|type|size|source|uri|url|id)\b)(?: [A-Za-z0-9][\w-]{0,126}(?= is\b| was\b| has\b))?${NAME}`,
      "gi",
    ),
  },
  {
    // Things that are not on the key path: a predicate about them is about something else.
    kind: "other",
    pattern:
      /\b(?:secrets?|certificates?|clusters?|workspaces?|tokens?|passwords?|blobs?|images?|manifests?|tags?|repositor(?:y|ies)|files?|resource groups?|subscriptions?|storage ?accounts?|role assignments?|deployments?|databases?|(?:public )?network access|registr(?:y|ies)|passkey|policy|principal|caller|client|users?|cluster|volumes?|vms?|virtual machines?)\b/gi,
  },
];

/** Text that says the paste is about Key Vault or a customer-managed key at all; a bare "key" needs it. */
const KEY_PATH_CONTEXT = new RegExp(
  String.raw`key ?vault|${VAULT_HOST}|(?<![\w.-])akv\b|Microsoft\.KeyVault|/keys/|customer[- ]managed|managed ?hsm|\bcmk\b|\btde\b|encryption`,
  "i",
);

/** A firewall or an address refusal is Key Vault's only when the text is about a vault (SQL and storage have firewalls too). */
const VAULT_CONTEXT = new RegExp(
  String.raw`key ?vault|${VAULT_HOST}|(?<![\w.-])akv\b|Microsoft\.KeyVault|managed ?hsm`,
  "i",
);

/** Another cloud's key service: its texts read like ours ("the key is disabled") and are never an Azure cause. */
const OTHER_CLOUD = /\barn:aws\b|\bAWS\b|\bAmazon\b|\bKMS key\b|\bkms:|googleapi|cloudkms|\/cryptoKeys\/|Google Cloud/i;

/** The caller's own sign-in (the SDK credential chain, IMDS): its "identity not found" is not a service's CMK identity. */
const OWN_SIGN_IN = /ManagedIdentityCredential|DefaultAzureCredential|\bIMDS\b|169\.254\.169\.254|\bAADSTS\d+/i;

/** Advice, hedges and conditions: a sentence that recommends or guesses states no fact. */
const NOT_A_FACT =
  /\?\s*$|\b(?:ensure|make sure|verify|check(?: if| that| whether)?|should|could be|may|might|possibl[ey]|perhaps|whether|if|unless|recommended|consider|learn more|for more information)\b/i;

// What happened to the subject. Gone, for a key or a vault: the key-deleted runbook. Gone, for an identity: the
// identity-removed runbook.
const GONE = String.raw`(?:(?:was|were|is|are|has been|have been) )?(?:not found|could not be found|couldn'?t be found|can(?:no|')?t be found|cannot be found|wasn'?t found|does not exist|doesn'?t exist|do not exist|does not exists|no longer exists?|(?:was|were|has been|have been|is|are) (?:deleted|purged|removed)|(?:is |are )?(?:currently )?being (?:deleted|purged)|in (?:a )?(?:soft[- ])?deleted(?: but recoverable)? state|(?:is |are )?soft[- ]deleted|could not be resolved|is not resolvable|not resolvable)\b`;
const UNUSABLE = String.raw`(?:(?:is|are|was|were|has been) )?(?:disabled|not enabled|not in (?:an? )?enabled state|(?:has )?expired|(?:is )?not (?:yet )?valid(?: yet)?|not been activated|not (?:yet )?active)\b`;
const IDENTITY_UNUSABLE = String.raw`(?:(?:is|are|was|has been) )?(?:inactive|disabled|detached|not (?:been )?assigned|not associated|no longer assigned|not set|undefined|must (?:also )?be assigned)\b`;

const PREDICATES: readonly { applies: readonly Subject[]; cause: NamedCause; pattern: RegExp }[] = [
  { applies: ["key", "vault"], cause: "key-deleted", pattern: new RegExp(`\\b${GONE}`, "gi") },
  { applies: ["identity"], cause: "identity-removed", pattern: new RegExp(`\\b${GONE}`, "gi") },
  { applies: ["identity"], cause: "identity-removed", pattern: new RegExp(`\\b${IDENTITY_UNUSABLE}`, "gi") },
  { applies: ["key"], cause: "key-disabled", pattern: new RegExp(`\\b${UNUSABLE}`, "gi") },
];

// Phrases that carry their own subject.
const KEY_PERMISSION = String.raw`(?:get|wrap ?key|unwrap ?key|wrap|unwrap|encrypt/decrypt)`;
const PERMISSION_LIST = String.raw`['"]?${KEY_PERMISSION}(?:[\s,'"/]+(?:(?:and|or)[\s'"]+)?(?:${KEY_PERMISSION}|key))*['"\s]*`;
const SELF_CONTAINED: readonly { cause: NamedCause; pattern: RegExp; needs?: RegExp }[] = [
  {
    cause: "key-deleted",
    pattern: /\b(?:soft[- ]?deleted|deleted|purged) (?:azure )?(?:key ?vault|vault|key)\b/gi,
  },
  {
    cause: "identity-removed",
    pattern:
      /\bno (?:user[- ]assigned |system[- ]assigned )?managed (?:service )?identit(?:y|ies) (?:is |are )?(?:associated|assigned|configured|set)\b/gi,
  },
  {
    cause: "access-revoked",
    pattern: new RegExp(
      String.raw`\b(?:does not|doesn'?t|do not|did not) have (?:the )?(?:keys? )?${PERMISSION_LIST}permissions?|\b${PERMISSION_LIST}permissions? (?:are|is) (?:required|needed|missing)|\bmust have (?:the )?${PERMISSION_LIST}permissions?|\b(?:is |are )?(?:missing|lacks?|lacking|(?:does not|doesn'?t) have|no longer has|(?:does not|doesn'?t) have sufficient|has insufficient) (?:the )?(?:required |necessary |sufficient |proper )?(?:permissions?|access)(?: to access| to| on| for)? (?:the (?:azure )?key ?vault|(?:azure )?key ?vault|the (?:managed |encryption )?key\b)|\b(?:key )?access (?:to [^.]{1,80} )?(?:is|was|has been) revoked|\bpermissions? (?:has|have) been (?:removed|revoked)|\b(?:key )?access (?:hasn'?t|has not|have not|haven'?t|was not|wasn'?t) been granted`,
      "gi",
    ),
  },
  {
    // A remedy that names the key permissions, after the service said it could not reach the key.
    cause: "access-revoked",
    pattern: new RegExp(String.raw`\b(?:grant|assign|add) (?:the )?(?:missing )?${PERMISSION_LIST}permissions?`, "gi"),
    needs: /\b(?:unable to|cannot|can'?t|could not|couldn'?t|failed to) access\b|\bforbidden\b|\baccess denied\b/i,
  },
  {
    cause: "firewall-403",
    pattern:
      /\b(?:client (?:ip )?address|caller ip(?: address)?|ip address)\b[^.]{0,60}?\bnot (?:authorized|allowed)\b|\b(?:due to|because of|blocked by|refused by) (?:the )?(?:key ?vault'?s? )?(?:firewall|network rules|network acls?|private (?:link|endpoint))|\b(?:firewall|network rules|network acls?|private (?:link|endpoint) settings)\b[^.]{0,40}?\b(?:blocks?|blocked|blocking|denies|denied|refuses|refused|forbids|prevents)\b/gi,
    needs: VAULT_CONTEXT,
  },
  {
    // "Trusted services" is Key Vault's own exception list: the phrase places the refusal in a vault.
    cause: "firewall-403",
    pattern: /\b(?:caller|request) is not (?:from )?a trusted service\b|\bnot from a trusted service\b/gi,
  },
];

/** Every predicate above holds one of these stems: a sentence without any (most of a CI log) is skipped cheaply. */
const MIGHT_STATE_A_CAUSE =
  /found|exist|delet|purg|resolv|disabled|enabled|expired|valid|activ|assign|associated|not set|undefined|detached|permission|access|revoked|granted|firewall|network|private|trusted|address/i;

interface Sentence {
  text: string;
  start: number;
}

/** Sentences and table cells, with their offsets: a fact never spans one of these boundaries. */
function sentences(text: string): Sentence[] {
  const out: Sentence[] = [];
  const boundary =
    /[.!?;](?=\s|$|")|\s\|\s|",\s*(?="[\w-]+"\s*:)|\s(?:Code|Message|Status|Inner error|InnerError|Caller|Vault|Recommended Action|Error Message|Error Code|Description):/g;
  let start = 0;
  for (let match = boundary.exec(text); match; match = boundary.exec(text)) {
    // The terminator stays with its sentence: a question states no fact.
    out.push({ text: text.slice(start, match.index + (/^[.!?;]/.test(match[0]) ? 1 : 0)), start });
    start = match.index + match[0].length;
  }
  out.push({ text: text.slice(start), start });
  return out.filter((s) => s.text.trim().length > 0).flatMap(around);
}

/** A sentence longer than any service error (a log with no full stops): only the stretches around its stems count. */
const LONGEST_SENTENCE = 1_000;

function around(sentence: Sentence): Sentence[] {
  if (sentence.text.length <= LONGEST_SENTENCE) return [sentence];
  const stems = new RegExp(MIGHT_STATE_A_CAUSE.source, "gi");
  const windows: Sentence[] = [];
  for (let m = stems.exec(sentence.text); m; m = stems.exec(sentence.text)) {
    const from = Math.max(0, m.index - 400);
    const to = Math.min(sentence.text.length, m.index + 200);
    const last = windows[windows.length - 1];
    if (last && sentence.start + from <= last.start + last.text.length) {
      last.text = sentence.text.slice(last.start - sentence.start, to);
    } else {
      windows.push({ text: sentence.text.slice(from, to), start: sentence.start + from });
    }
    stems.lastIndex = Math.max(stems.lastIndex, to);
  }
  return windows;
}

interface SubjectHit {
  kind: Subject;
  index: number;
  end: number;
}

function subjectsIn(sentence: string, bareKeyAllowed: boolean): SubjectHit[] {
  const hits: SubjectHit[] = [];
  SUBJECTS.forEach(({ kind, pattern }, order) => {
    const bareKey = order === 3;
    if (bareKey && !bareKeyAllowed) return;
    pattern.lastIndex = 0;
    for (let m = pattern.exec(sentence); m; m = pattern.exec(sentence)) {
      hits.push({ kind, index: m.index, end: m.index + m[0].length });
      if (m[0].length === 0) pattern.lastIndex++;
    }
  });
  // At one position the longest subject wins ("key vault key" over "key vault"); overlapping shorter ones go.
  hits.sort((a, b) => a.index - b.index || b.end - a.end);
  const kept: SubjectHit[] = [];
  for (const hit of hits) if (!kept.some((k) => hit.index < k.end && hit.index >= k.index)) kept.push(hit);
  return kept;
}

/** The clause a predicate closes: from the last clause boundary before it. Its first subject is what it is about. */
const CLAUSE_BOUNDARY = /,\s|\s(?:but|and|as|because|since|so|while|when|after|then)\s|:\s|\s-\s|\s—\s/gi;

function subjectOf(sentence: string, predicateAt: number, subjects: SubjectHit[]): SubjectHit | undefined {
  let clauseStart = 0;
  CLAUSE_BOUNDARY.lastIndex = 0;
  for (let m = CLAUSE_BOUNDARY.exec(sentence); m && m.index < predicateAt; m = CLAUSE_BOUNDARY.exec(sentence)) {
    const end = m.index + m[0].length;
    // A boundary inside a subject's quoted name ('a, b') is no boundary; one right before the predicate leaves
    // the clause empty, so the subject is the one before it ("the key, which …" is rare in service errors).
    if (subjects.some((s) => m.index >= s.index && m.index < s.end)) continue;
    if (end <= predicateAt && subjects.some((s) => s.index >= end && s.end <= predicateAt)) clauseStart = end;
  }
  return subjects.find((s) => s.index >= clauseStart && s.end <= predicateAt);
}

/** Every single-cause fact the text states about the key path, in the order they appear. */
export function readClauses(text: string): ClauseHit[] {
  if (OTHER_CLOUD.test(text)) return [];
  const bareKeyAllowed = KEY_PATH_CONTEXT.test(text);
  const ownSignIn = OWN_SIGN_IN.test(text);
  const hits: ClauseHit[] = [];
  for (const sentence of sentences(text)) {
    if (!MIGHT_STATE_A_CAUSE.test(sentence.text) || NOT_A_FACT.test(sentence.text)) continue;
    const found: ClauseHit[] = [];
    const subjects = subjectsIn(sentence.text, bareKeyAllowed);
    const predicates: { cause: NamedCause; at: number; end: number }[] = [];
    for (const { applies, cause, pattern } of PREDICATES) {
      pattern.lastIndex = 0;
      for (let m = pattern.exec(sentence.text); m; m = pattern.exec(sentence.text)) {
        const subject = subjectOf(sentence.text, m.index, subjects);
        if (!subject || subject.kind === "other") continue;
        if (!applies.includes(subject.kind)) continue;
        if (subject.kind === "identity" && ownSignIn) continue;
        predicates.push({ cause, at: m.index, end: m.index + m[0].length });
        const at = sentence.start + subject.index;
        found.push({ cause, index: at, length: sentence.start + m.index + m[0].length - at });
      }
    }
    // "X is soft-deleted or lives elsewhere": a predicate offered as one alternative among others that are not the
    // same cause states nothing.
    const alternative = predicates.some((p) => {
      const before = /\bor\s*$/i.test(sentence.text.slice(Math.max(0, p.at - 6), p.at));
      const after = /^\s*,?\s*or\b/i.exec(sentence.text.slice(p.end, p.end + 8));
      const sameCauseNear = (from: number, to: number) =>
        predicates.some((q) => q !== p && q.cause === p.cause && q.at < to && q.end > from);
      if (after && !sameCauseNear(p.end, p.end + 20)) return true;
      return before && !sameCauseNear(p.at - 24, p.at);
    });
    if (alternative) continue;
    for (const { cause, pattern, needs } of SELF_CONTAINED) {
      if (needs && !needs.test(text)) continue;
      pattern.lastIndex = 0;
      for (let m = pattern.exec(sentence.text); m; m = pattern.exec(sentence.text)) {
        found.push({ cause, index: sentence.start + m.index, length: m[0].length });
      }
    }
    // One sentence naming two causes lists alternatives ("disabled or deleted"): it establishes neither.
    if (new Set(found.map((f) => f.cause)).size === 1) hits.push(...found);
  }
  return hits.sort((a, b) => a.index - b.index);
}
