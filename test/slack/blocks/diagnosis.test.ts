// The diagnosis in the incident channel names the change behind each finding and shows the timeline.
import { describe, expect, it } from "vitest";
import { renderDiagnosis } from "../../../src/slack/blocks/diagnosis.js";
import { keyDeletedByAlice } from "../../fixtures/timeline-report.js";

describe("renderDiagnosis with a timeline", () => {
  it("says who deleted the key, when and with what, and lists the timeline newest first", async () => {
    const report = await keyDeletedByAlice();
    const message = renderDiagnosis(report, "UALICE0001");
    const texts = message.blocks.map((b) => JSON.stringify(b));
    expect(texts.find((t) => t.includes("KEY_SOFT_DELETED"))).toMatch(
      /Caused by: key acr-cmk deleted by alice@contoso.com at \d\d:\d\d UTC on [\d-]+ with the Azure CLI/,
    );
    const timeline = texts.find((t) => t.includes("*Timeline*"));
    expect(timeline).toMatch(/alice@contoso.com · key acr-cmk deleted \(the Azure CLI\)/);
    expect(timeline).toMatch(/unwraps started failing: 404 KeyNotFound/);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
  });
});
