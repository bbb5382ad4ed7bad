import { describe, expect, it } from "vitest";
import { RUNBOOK_FOR_CAUSE, triage } from "../../src/diagnosis/triage.js";
import { normalise, rawSpan } from "../../src/diagnosis/triage/normalise.js";
import type { TriageCause } from "../../src/diagnosis/types.js";
import { TRIAGE_CORPUS } from "../fixtures/triage-corpus.js";

const CAUSES: readonly Exclude<TriageCause, "unknown">[] = [
  "key-deleted",
  "identity-removed",
  "firewall-403",
  "access-revoked",
  "key-disabled",
];

interface Row {
  cause: TriageCause;
  items: number;
  correct: number;
  recall: number;
  /** Items of other causes (or negatives) classified as this cause. */
  falsePositives: number;
}

function measure(): { rows: Row[]; misses: string[] } {
  const results = TRIAGE_CORPUS.map((item) => ({ item, got: triage(item.text) }));
  const misses = results
    .filter(({ item, got }) => got.cause !== item.expected)
    .map(({ item, got }) => `expected ${item.expected}, got ${got.cause} (${got.evidence}) — ${item.source}`);
  const rows = ([...CAUSES, "unknown"] as const).map((cause): Row => {
    const mine = results.filter(({ item }) => item.expected === cause);
    const correct = mine.filter(({ got }) => got.cause === cause).length;
    return {
      cause,
      items: mine.length,
      correct,
      recall: mine.length === 0 ? 0 : Number((correct / mine.length).toFixed(3)),
      falsePositives: results.filter(({ item, got }) => got.cause === cause && item.expected !== cause).length,
    };
  });
  return { rows, misses };
}

describe("triage corpus (real Azure messages, sources in test/fixtures/triage-corpus.ts)", () => {
  const { rows, misses } = measure();
  console.table(rows);
  if (misses.length > 0) console.log("misses:\n" + misses.join("\n"));

  it("holds every shape for every cause and a large negative set", () => {
    for (const cause of CAUSES) expect(rows.find((r) => r.cause === cause)?.items).toBeGreaterThanOrEqual(8);
    expect(rows.find((r) => r.cause === "unknown")?.items).toBeGreaterThanOrEqual(25);
    const shapes = new Set(TRIAGE_CORPUS.map((item) => item.shape));
    expect([...shapes].sort()).toEqual(["az-cli", "json", "plain", "slack", "stack-trace", "terraform"]);
    for (const item of TRIAGE_CORPUS) expect(item.source.length).toBeGreaterThan(10);
  });

  it.each(CAUSES)("recognises %s with recall of at least 0.9", (cause) => {
    expect(rows.find((r) => r.cause === cause)?.recall).toBeGreaterThanOrEqual(0.9);
  });

  it("never names a cause for text that is not a CMK problem", () => {
    const negatives = TRIAGE_CORPUS.filter((item) => item.expected === "unknown");
    const alarms = negatives
      .map((item) => ({ item, got: triage(item.text) }))
      .filter(({ got }) => got.cause !== "unknown");
    expect(alarms.map(({ item, got }) => `${got.cause}: ${item.source}`)).toEqual([]);
  });

  it("returns evidence that is an exact substring of what was pasted", () => {
    for (const item of TRIAGE_CORPUS) {
      const got = triage(item.text);
      if (got.cause === "unknown") {
        expect(got.evidence).toBe("");
      } else {
        expect(got.evidence.length).toBeGreaterThan(5);
        expect(item.text.includes(got.evidence)).toBe(true);
      }
    }
  });

  it("names a runbook of the catalogue for every answer", () => {
    for (const item of TRIAGE_CORPUS) {
      const got = triage(item.text);
      expect(got.runbook).toBe(RUNBOOK_FOR_CAUSE[got.cause]);
    }
    expect(RUNBOOK_FOR_CAUSE).toEqual({
      "key-deleted": "key-deleted",
      "identity-removed": "identity-removed",
      "firewall-403": "firewall-403",
      "access-revoked": "restore",
      "key-disabled": "restore",
      unknown: null,
    });
  });
});

describe("triage decisions", () => {
  it("prefers the firewall over ACR's generic 'Failed to access KeyId' sentence", () => {
    const failed =
      "Failed to access KeyId 'https://kv.vault.azure.net/keys/k/1'. Verify that identity 'abc' has 'Get, Wrap Key, Unwrap Key' permission on key 'https://kv.vault.azure.net/keys/k/1'.";
    expect(triage(failed).cause).toBe("access-revoked");
    expect(triage(`${failed}\nInner error: {"code": "ForbiddenByFirewall"}`)).toEqual({
      cause: "firewall-403",
      runbook: "firewall-403",
      evidence: "ForbiddenByFirewall",
    });
  });

  it("prefers identity text over a permission denial in the same paste", () => {
    const text =
      "does not have keys get permission on key vault 'kv;location=x'\nThe identity associated with the registry is inactive.";
    expect(triage(text).cause).toBe("identity-removed");
  });

  it("needs Key Vault context before trusting a bare KeyNotFound code", () => {
    expect(triage(`{"code":"KeyNotFound"}`).cause).toBe("unknown");
    expect(triage(`GET https://kv-acr.vault.azure.net/keys/k/ -> {"code":"KeyNotFound"}`).cause).toBe("key-deleted");
  });

  it("ignores .NET's KeyNotFoundException and secret-level codes", () => {
    expect(triage("System.Collections.Generic.KeyNotFoundException in keyvault helper").cause).toBe("unknown");
    expect(triage(`{"innererror":{"code":"SecretDisabled"}}`).cause).toBe("unknown");
  });

  it("reads messages escaped twice and returns the escaped text as evidence", () => {
    const pasted = String.raw`"message": "Client address is not authorized and caller is not a trusted service.\\r\\nClient address: 1.2.3.4"`;
    const got = triage(pasted);
    expect(got.cause).toBe("firewall-403");
    expect(got.evidence).toBe("Client address is not authorized and caller is not a trusted service");
  });

  it("reads HTML-encoded quotes from portal copies", () => {
    const pasted = "does not have access to identity &#39;abc&#39; Try forcibly adding the identity to the registry r.";
    const got = triage(pasted);
    expect(got.cause).toBe("identity-removed");
    expect(got.evidence).toBe("does not have access to identity &#39;abc&#39; Try forcibly adding the identity");
  });

  it("reads text wrapped across lines and coloured by a terminal", () => {
    const pasted = "\u001b[31mOperation unwrapKey is not allowed\n   on a disabled key\u001b[0m";
    const got = triage(pasted);
    expect(got.cause).toBe("key-disabled");
    expect(got.evidence).toBe("Operation unwrapKey is not allowed\n   on a disabled key");
  });

  it("answers unknown for empty or whitespace-only text", () => {
    expect(triage("")).toEqual({ cause: "unknown", runbook: null, evidence: "" });
    expect(triage(" \n\t ")).toEqual({ cause: "unknown", runbook: null, evidence: "" });
  });

  it("stays fast on a large paste", () => {
    const noise = "INFO step ok: pulled layer sha256:0123456789abcdef\n".repeat(10_000);
    const started = performance.now();
    expect(triage(noise + "ERROR ForbiddenByFirewall\n" + noise).cause).toBe("firewall-403");
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe("normalise", () => {
  it("maps every canonical character back to the span it came from", () => {
    const raw = "a\\\\r\\\\nb &quot;c&quot;   d";
    const canonical = normalise(raw);
    expect(canonical.text).toBe('a b "c" d');
    expect(rawSpan(raw, canonical, 0, canonical.text.length)).toBe(raw);
    expect(rawSpan(raw, canonical, 4, 5)).toBe("&quot;");
    expect(rawSpan(raw, canonical, 1, 2)).toBe("\\\\r\\\\n");
  });
});
