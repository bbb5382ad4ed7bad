// The KQL subset the sandbox answers for Log Analytics and Resource Graph, and its refusal of everything else.
import { describe, expect, it } from "vitest";
import { parseKql, runKql } from "../../../src/sandbox/http/kql.js";

const NOW = new Date("2026-12-03T12:00:00Z");
const rows = [
  { TimeGenerated: "2026-12-03T11:00:00Z", OperationName: "KeyDelete", props: { who: "Alice" } },
  { TimeGenerated: "2026-12-02T11:00:00Z", OperationName: "KeyUnwrap", props: { who: "acr" } },
  { TimeGenerated: "2026-12-03T11:30:00Z", OperationName: "KeyUnwrap", props: { who: "acr" } },
];
const run = (q: string) => runKql(parseKql(q, NOW, "Log Analytics"), rows);

describe("the KQL subset", () => {
  it("filters with where (ago, in, =~, and/or), orders newest first by default, takes and projects", () => {
    const out = run(
      'T | where TimeGenerated >= ago(2h) and OperationName in ("KeyDelete", "KeyUnwrap") | where props.who =~ "alice" or OperationName == "KeyUnwrap" | order by TimeGenerated | take 5 | project OperationName',
    );
    expect(out).toEqual({
      rows: [{ OperationName: "KeyUnwrap" }, { OperationName: "KeyDelete" }],
      columns: ["OperationName"],
    });
  });

  it("extend with todatetime, datetime literals, not(), endswith", () => {
    const out = run(
      "T | extend t = todatetime(TimeGenerated) | where t > datetime(2026-12-03T00:00:00Z) and not(props.who endswith 'ice') | project OperationName",
    );
    expect(out.rows).toEqual([{ OperationName: "KeyUnwrap" }]);
  });

  it.each([
    ["T | summarize count() by OperationName", /the 'summarize' operator/],
    ["T | where OperationName matches regex 'x'", /not simulate/],
    ["T | where strlen(OperationName) > 3", /strlen/],
    ["| where x == 1", /does not start with a table/],
  ])("refuses %s as not simulated, with a 400", (query, message) => {
    expect(() => run(query)).toThrow(
      expect.objectContaining({ name: "ServiceError", status: 400, message: expect.stringMatching(message) }),
    );
  });
});
