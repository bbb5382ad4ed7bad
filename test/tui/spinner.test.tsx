// The TUI's own spinner stands in for @inkjs/ui's on the first frame; it must look and move the same.
import { Spinner as UiSpinner } from "@inkjs/ui";
import { cleanup, render } from "ink-testing-library";
import { afterEach, describe, expect, it } from "vitest";
import { SPINNER_FRAMES, SPINNER_INTERVAL_MS, Spinner } from "../../src/tui/components/Spinner.js";
import { ThemeContext, createTheme } from "../../src/tui/theme.js";

afterEach(() => cleanup());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("Spinner", () => {
  it("draws what @inkjs/ui's Spinner draws: the first dots frame, a space, the label", () => {
    const ours = render(
      <ThemeContext.Provider value={createTheme(true)}>
        <Spinner label="Connecting to Azure · 0s" />
      </ThemeContext.Provider>,
    );
    const theirs = render(<UiSpinner label="Connecting to Azure · 0s" />);
    expect(ours.lastFrame()).toBe("⠋ Connecting to Azure · 0s");
    expect(ours.lastFrame()).toBe(theirs.lastFrame());
  });

  it("turns through the dots frames while it is on screen", async () => {
    const { frames, lastFrame } = render(<Spinner label="waiting" />);
    await sleep(SPINNER_INTERVAL_MS * 3 + 40);
    const glyphs = new Set(frames.map((frame) => frame.split(" ")[0]));
    expect(glyphs.size).toBeGreaterThanOrEqual(2);
    for (const glyph of glyphs) expect(SPINNER_FRAMES).toContain(glyph);
    expect(lastFrame()).toMatch(/^. waiting$/);
  });
});
