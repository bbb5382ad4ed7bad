// Scrolls a block of rows taller than its room with ↑↓ / j k (PgUp/PgDn by a page). One hook so every scrolling
// block moves the same way and says the same thing on screen.
import { useEffect, useState } from "react";
import { useInput } from "ink";
import type { Row } from "../rows.js";
import { useShell } from "../session.js";

export interface ScrollView {
  /** First row shown. */
  start: number;
  /** One past the last row shown. */
  end: number;
  /** The row that tells the person there is more, and how to reach it; absent when everything fits. */
  indicator?: Row;
}

/** Which rows of `total` fit in `height` from `offset`; one row goes to the indicator when they do not all fit. */
export function scrollView(total: number, height: number, offset: number): ScrollView {
  if (total <= height) return { start: 0, end: total };
  const room = Math.max(1, height - 1);
  const start = Math.min(Math.max(0, offset), total - room);
  const end = start + room;
  const where = [start > 0 ? `↑ ${start} above` : "", end < total ? `↓ ${total - end} below` : ""].filter(Boolean);
  return {
    start,
    end,
    indicator: [{ text: `── ${where.join(" · ")} · ↑↓ or j k to scroll ──`, dim: true }],
  };
}

/** `resetKey`: when it changes (another approval, say), the block starts again at its top. */
export function useScroll(total: number, height: number, isActive = true, resetKey?: string): ScrollView {
  const { paused } = useShell();
  const [offset, setOffset] = useState(0);
  useEffect(() => setOffset(0), [resetKey]);
  const room = Math.max(1, height - 1);
  const last = Math.max(0, total - room);
  useEffect(() => {
    if (offset > last) setOffset(last);
  }, [offset, last]);
  useInput(
    (input, key) => {
      // Keys typed faster than a frame arrive together ("jjj"): each one counts.
      const moves = /^[jk]+$/.test(input) ? [...input].reduce((sum, char) => sum + (char === "j" ? 1 : -1), 0) : 0;
      if (key.upArrow) setOffset((o) => Math.max(0, o - 1));
      else if (key.downArrow) setOffset((o) => Math.min(last, o + 1));
      else if (moves !== 0) setOffset((o) => Math.min(last, Math.max(0, o + moves)));
      else if (key.pageUp) setOffset((o) => Math.max(0, o - room));
      else if (key.pageDown) setOffset((o) => Math.min(last, o + room));
    },
    { isActive: isActive && !paused && total > height },
  );
  return scrollView(total, height, offset);
}
