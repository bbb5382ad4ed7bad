// The TUI's own spinner stands in for @inkjs/ui's on the first frame; it must look and move the same.
import { Spinner as UiSpinner } from "@inkjs/ui";
import { cleanup, render } from "ink-testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SPINNER_FRAMES, SPINNER_INTERVAL_MS, Spinner } from "../../src/tui/components/Spinner.js";
import { ThemeContext, createTheme } from "../../src/tui/theme.js";

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

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
    vi.useFakeTimers();
    const { frames, lastFrame } = render(<Spinner label="waiting" />);
    for (let tick = 0; tick < 3; tick++) await vi.advanceTimersByTimeAsync(SPINNER_INTERVAL_MS);
    // Ink writes a throttled render on its trailing edge; half an interval lets it out without another tick.
    await vi.advanceTimersByTimeAsync(SPINNER_INTERVAL_MS / 2);
    const glyphs = [...new Set(frames.map((frame) => frame.split(" ")[0]))];
    expect(glyphs).toEqual(SPINNER_FRAMES.slice(0, 4));
    expect(lastFrame()).toBe(`${SPINNER_FRAMES[3]} waiting`);
  });
});
