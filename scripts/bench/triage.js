// Benchmark (not a test): triage accuracy on the in-sample corpus (test/fixtures/triage-corpus.ts, used to write the
// rules, so an upper bound) and on the held-out set (test/fixtures/triage-holdout.ts, real texts the rules never saw).
// Prints, per cause, n, answers, precision and recall; then overall accuracy, false alarms and the held-out misses.
// Run `npm run build` first; Node 24 reads the .ts fixtures directly (they hold data and erasable types only).
import { performance } from "node:perf_hooks";
import { triage } from "../../dist/diagnosis/triage.js";
import { TRIAGE_CORPUS } from "../../test/fixtures/triage-corpus.ts";
import { TRIAGE_HOLDOUT } from "../../test/fixtures/triage-holdout.ts";

const CAUSES = ["key-deleted", "identity-removed", "firewall-403", "access-revoked", "key-disabled", "unknown"];

const ratio = (part, whole) => (whole === 0 ? "–" : (part / whole).toFixed(2));

function measure(items) {
  return items.map((item, index) => ({ index, item, got: triage(item.text) }));
}

function printTable(title, results) {
  console.log(`\n${title}: ${results.length} texts`);
  console.log(
    ["cause".padEnd(18), "n".padStart(4), "answered".padStart(9), "precision".padStart(10), "recall".padStart(7)].join(
      "",
    ),
  );
  for (const cause of CAUSES) {
    const n = results.filter(({ item }) => item.expected === cause).length;
    const answered = results.filter(({ got }) => got.cause === cause).length;
    const correct = results.filter(({ item, got }) => item.expected === cause && got.cause === cause).length;
    console.log(
      [
        cause.padEnd(18),
        String(n).padStart(4),
        String(answered).padStart(9),
        ratio(correct, answered).padStart(10),
        ratio(correct, n).padStart(7),
      ].join(""),
    );
  }
  const correct = results.filter(({ item, got }) => got.cause === item.expected).length;
  const alarms = results.filter(({ item, got }) => item.expected === "unknown" && got.cause !== "unknown");
  const accuracy = (correct / results.length).toFixed(3);
  console.log(`accuracy ${accuracy} (${correct}/${results.length}); false alarms on unknown: ${alarms.length}`);
  return { correct, alarms };
}

printTable("in-sample corpus (upper bound)", measure(TRIAGE_CORPUS));
const held = measure(TRIAGE_HOLDOUT);
printTable("held-out real texts", held);

// Who emitted the text: Key Vault's own messages generalise; other services' CMK messages mostly do not.
console.log("\nheld-out recall by emitter (texts labelled with a cause):");
for (const emitter of ["key-vault", "acr", "cmk-service", "other"]) {
  const mine = held.filter(({ item }) => item.emitter === emitter && item.expected !== "unknown");
  if (mine.length === 0) continue;
  const right = mine.filter(({ item, got }) => got.cause === item.expected).length;
  console.log(`  ${emitter.padEnd(12)} ${ratio(right, mine.length)} (${right}/${mine.length})`);
}

console.log("\nheld-out misclassifications:");
for (const { index, item, got } of held.filter(({ item, got }) => got.cause !== item.expected)) {
  const evidence = got.evidence ? ` on "${got.evidence}"` : "";
  console.log(`  #${index} expected ${item.expected}, got ${got.cause}${evidence} — ${item.source}`);
}

// Time on large pastes (a CI log around one error): prints the median of 5 runs per size, and ms per MB, so a rule
// that grows worse than linearly with the text shows as a rising ms/MB column.
console.log("\nlarge pastes (one ForbiddenByFirewall line amid build noise):");
console.log(["noise lines".padEnd(12), "MB".padStart(6), "median ms".padStart(10), "ms/MB".padStart(8)].join(""));
for (const lines of [5_000, 10_000, 20_000]) {
  const noise = "INFO step ok: pulled layer sha256:0123456789abcdef\n".repeat(lines / 2);
  const text = noise + "ERROR ForbiddenByFirewall\n" + noise;
  const times = [];
  for (let run = 0; run < 5; run++) {
    const started = performance.now();
    const got = triage(text);
    times.push(performance.now() - started);
    if (got.cause !== "firewall-403") throw new Error(`large paste triaged as ${got.cause}`);
  }
  const median = times.sort((a, b) => a - b)[2];
  const mb = text.length / 1e6;
  console.log(
    [
      String(lines).padEnd(12),
      mb.toFixed(2).padStart(6),
      median.toFixed(0).padStart(10),
      (median / mb).toFixed(0).padStart(8),
    ].join(""),
  );
}
