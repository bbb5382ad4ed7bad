// Held-out accuracy of triage: real error texts that were not used to write the rules (test/fixtures/triage-holdout.ts,
// labels fixed before the classifier ever saw them). The in-sample corpus test is an upper bound; this is the honest
// figure. Prints one summary line; asserts the safety property and an accuracy floor so a regression is caught.
import { afterAll, describe, expect, it } from "vitest";
import { triage } from "../../src/diagnosis/triage.js";
import type { TriageCause } from "../../src/diagnosis/types.js";
import { TRIAGE_CORPUS } from "../fixtures/triage-corpus.js";
import { TRIAGE_HOLDOUT } from "../fixtures/triage-holdout.js";

const CAUSES = ["key-deleted", "identity-removed", "firewall-403", "access-revoked", "key-disabled"] as const;

/** Measured with src/diagnosis as it was when the set was made: 48 of 67 right (0.716), rounded down. Raise it as rules improve. */
const ACCURACY_FLOOR = 0.71;

/**
 * Texts labelled `unknown` that triage names a cause for today. Each is a real false alarm, kept on purpose so the
 * lead can fix the rules; the source guards the index against the fixture being reordered.
 */
const KNOWN_FALSE_ALARMS: readonly { index: number; source: string; cause: TriageCause; evidence: string }[] = [
  // Empty since the bare-code rule was fixed: #47 (azure-sdk-for-js #24136, a test assertion "expected 'EAI_AGAIN' to
  // equal 'KeyNotFound'" under a keyvault path) used to come back key-deleted; KeyNotFound now counts only where an
  // error code stands. That fix was made after this set was measured, so #47 no longer counts as held out.
];

const results = TRIAGE_HOLDOUT.map((item, index) => ({ index, item, got: triage(item.text) }));

interface CauseFigures {
  n: number;
  predicted: number;
  correct: number;
}

function figuresFor(cause: TriageCause): CauseFigures {
  return {
    n: results.filter(({ item }) => item.expected === cause).length,
    predicted: results.filter(({ got }) => got.cause === cause).length,
    correct: results.filter(({ item, got }) => item.expected === cause && got.cause === cause).length,
  };
}

const ratio = (part: number, whole: number): string => (whole === 0 ? "–" : (part / whole).toFixed(2));
const correct = results.filter(({ item, got }) => got.cause === item.expected).length;
const accuracy = correct / results.length;
const falseAlarms = results.filter(({ item, got }) => item.expected === "unknown" && got.cause !== "unknown");

afterAll(() => {
  const perCause = CAUSES.map((cause) => {
    const f = figuresFor(cause);
    return `${cause} P ${ratio(f.correct, f.predicted)} R ${ratio(f.correct, f.n)} n ${f.n}`;
  });
  const unknown = figuresFor("unknown");
  console.log(
    `triage held-out (${results.length} real texts): accuracy ${accuracy.toFixed(3)} (${correct}/${results.length}); ` +
      `${perCause.join("; ")}; unknown kept ${unknown.correct}/${unknown.n}`,
  );
});

describe("triage on held-out real errors (test/fixtures/triage-holdout.ts)", () => {
  it("is a real, sourced set that does not repeat the in-sample corpus", () => {
    expect(TRIAGE_HOLDOUT.length).toBeGreaterThanOrEqual(40);
    expect(figuresFor("unknown").n).toBeGreaterThanOrEqual(12);
    for (const cause of CAUSES) expect(figuresFor(cause).n).toBeGreaterThan(0);
    const canonical = (text: string): string => text.replace(/\s+/g, " ").trim().toLowerCase();
    const corpus = TRIAGE_CORPUS.map((c) => canonical(c.text));
    const repeats = TRIAGE_HOLDOUT.map((h, index) => ({ index, text: canonical(h.text) }))
      .filter(({ text }) => corpus.some((c) => c.includes(text)))
      .map(({ index }) => index);
    expect(repeats).toEqual([]);
    for (const item of TRIAGE_HOLDOUT) {
      expect(item.source.length).toBeGreaterThan(10);
      if (!item.verbatim) expect(item.note?.length ?? 0).toBeGreaterThan(10);
    }
  });

  it("raises no false alarm on text that is not a CMK cause, apart from the known ones listed above", () => {
    for (const known of KNOWN_FALSE_ALARMS) {
      expect(TRIAGE_HOLDOUT[known.index]?.source).toBe(known.source);
      expect(TRIAGE_HOLDOUT[known.index]?.expected).toBe("unknown");
    }
    // A new false alarm fails here; so does a fixed one (then remove it from KNOWN_FALSE_ALARMS).
    expect(falseAlarms.map(({ index, got }) => ({ index, cause: got.cause, evidence: got.evidence }))).toEqual(
      KNOWN_FALSE_ALARMS.map(({ index, cause, evidence }) => ({ index, cause, evidence })),
    );
  });

  it(`keeps held-out accuracy at or above ${ACCURACY_FLOOR}`, () => {
    expect(accuracy).toBeGreaterThanOrEqual(ACCURACY_FLOOR);
  });

  it("never answers one cause for another", () => {
    // Misses (a cause answered `unknown`) cost a manual diagnosis; a wrong cause costs the wrong runbook.
    const wrongCause = results.filter(
      ({ item, got }) => item.expected !== "unknown" && got.cause !== "unknown" && got.cause !== item.expected,
    );
    expect(wrongCause.map(({ index, item, got }) => `#${index} ${item.expected} → ${got.cause}`)).toEqual([]);
  });

  it("returns evidence that is an exact substring of what was pasted", () => {
    for (const { item, got } of results) {
      if (got.cause === "unknown") expect(got.evidence).toBe("");
      else expect(item.text.includes(got.evidence) && got.evidence.length > 5).toBe(true);
    }
  });
});
