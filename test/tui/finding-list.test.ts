// The TUI's finding list puts the change that caused a finding right under its title.
import { describe, expect, it } from "vitest";
import { findingRows } from "../../src/tui/components/FindingList.js";
import { keyDeletedByAlice } from "../fixtures/timeline-report.js";

const text = (rows: ReturnType<typeof findingRows>) => rows.map((r) => r.map((s) => s.text).join(""));

describe("findingRows", () => {
  it("shows the cause under the title when there is room, and leaves it out when there is none", async () => {
    const report = await keyDeletedByAlice();
    const roomy = text(findingRows(report.findings, 100, 30));
    const title = roomy.findIndex((l) => l.includes("KEY_SOFT_DELETED"));
    expect(roomy[title + 1]).toMatch(/^ {2}← key acr-cmk deleted by alice@contoso.com/);
    const tight = text(findingRows(report.findings, 100, 6));
    expect(tight.some((l) => l.includes("←"))).toBe(false);
  });
});
