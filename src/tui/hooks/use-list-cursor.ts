// Arrow keys and j/k move a highlight through a list; Enter chooses. One hook so every list behaves the same.
import { useEffect, useState } from "react";
import { useInput } from "ink";
import { useShell } from "../session.js";

export function useListCursor(length: number, onChoose: (index: number) => void, isActive = true): number {
  const { paused } = useShell();
  const [index, setIndex] = useState(0);
  useEffect(() => {
    if (index >= length) setIndex(Math.max(0, length - 1));
  }, [index, length]);
  useInput(
    (input, key) => {
      if (length === 0) return;
      if (key.upArrow || input === "k") setIndex((i) => (i - 1 + length) % length);
      else if (key.downArrow || input === "j") setIndex((i) => (i + 1) % length);
      else if (key.return) onChoose(Math.min(index, length - 1));
    },
    { isActive: isActive && !paused },
  );
  return Math.min(index, Math.max(0, length - 1));
}
