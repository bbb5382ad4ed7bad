// The checklist rows: each step's mark says what happened to it.
import { render } from "ink-testing-library";
import { describe, expect, it } from "vitest";
import type { StepView } from "../../src/runs/types.js";
import { RunChecklist } from "../../src/tui/components/RunChecklist.js";

const step = (id: string, title: string, status: StepView["status"]): StepView => ({
  id,
  title,
  why: "w",
  kind: id.startsWith("approve") ? "approval" : "change",
  risk: "low",
  status,
});

describe("RunChecklist", () => {
  it("shows a rejected approval as rejected, never with the done mark", () => {
    const { lastFrame, unmount } = render(
      <RunChecklist
        steps={[
          step("check", "Check the key", "done"),
          step("approve", "Approve: recover the key", "rejected"),
          step("recover", "Recover the key", "skipped"),
        ]}
      />,
    );
    const frame = lastFrame() ?? "";
    expect(frame).toContain("⊘ Approve: recover the key (rejected)");
    expect(frame).not.toContain("✔ Approve");
    expect(frame).toContain("✔ Check the key");
    unmount();
  });
});
