// Vitest global setup: every sandbox response of the run (in-process handlers and the `sandbox serve` children the
// tests start) is logged to a temporary directory, and at the end checked against Microsoft's published REST API
// specs (test/fixtures/specs). An invalid response or a route the spec lacks fails the run.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RESPONSE_LOG_ENV, type LoggedResponse } from "../src/sandbox/response-log.js";
import { coverageRows, coverageTable, parseTable } from "./fixtures/spec-check/coverage.js";
import { SpecChecker } from "./fixtures/spec-check/validate.js";

const DOC = join(import.meta.dirname, "..", "docs", "azure-behaviour.md");

export function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), "acr-cmk-responses-"));
  process.env[RESPONSE_LOG_ENV] = dir;
  return () => teardown(dir);
}

function readEntries(dir: string): LoggedResponse[] {
  const entries: LoggedResponse[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".jsonl"))) {
    for (const line of readFileSync(join(dir, file), "utf8").split("\n")) {
      if (line) entries.push(JSON.parse(line) as LoggedResponse);
    }
  }
  return entries;
}

function teardown(dir: string): void {
  const started = Date.now();
  const entries = readEntries(dir);
  const checker = new SpecChecker();
  const report = checker.check(entries);
  const rows = coverageRows(checker, entries, report.covered);
  const never = rows.filter((r) => !r.validated).map((r) => r.operation);
  const lines = [
    `spec check: ${report.validated} responses validated (${report.distinctBodies} distinct) against ${report.covered.size} operations in ${Date.now() - started} ms; ${report.skipped} at other api-versions or outside the vendored specs; ${report.failures.length} failures`,
    `spec check: operations never exercised at a vendored api-version (${never.length}): ${never.join(", ")}`,
  ];
  if (report.dangling.length > 0)
    lines.push(`spec check: $refs the specs leave unresolved: ${report.dangling.join("; ")}`);
  // The documented table may claim less than this run saw, never more than a full run sees.
  let docProblems: string[];
  try {
    const documented = new Map(parseTable(readFileSync(DOC, "utf8")).map((r) => [r.operation, r]));
    docProblems = rows.flatMap((r) => {
      const d = documented.get(r.operation);
      if (!d) return [`${r.operation} is missing from the table`];
      const out: string[] = [];
      if (r.az && !d.az) out.push(`${r.operation}: run by az, the table says not`);
      if (r.validated && !d.validated) out.push(`${r.operation}: validated, the table says not`);
      if (r.replayed && !d.replayed) out.push(`${r.operation}: replayed, the table says not`);
      return out;
    });
  } catch {
    docProblems = [`${DOC} is missing`];
  }
  const tableFile = join(tmpdir(), `acr-cmk-operations-table-${process.pid}.md`);
  writeFileSync(tableFile, `${coverageTable(rows)}\n`);
  console.log(lines.join("\n"));
  rmSync(dir, { recursive: true, force: true });
  const problems = [
    ...report.failures.map((f) => `${f.operation}: ${f.request} → ${f.status}: ${f.message}`),
    ...docProblems.map((p) => `docs/azure-behaviour.md operations table: ${p} (this run's table: ${tableFile})`),
  ];
  if (problems.length > 0) {
    throw new Error(`Spec check: ${problems.length} problem(s):\n${problems.slice(0, 40).join("\n")}`);
  }
}
