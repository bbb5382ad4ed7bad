// When a condition last became true (epoch ms), so a spinner can say how long we have been waiting.
import { useRef } from "react";

export function useSince(condition: boolean, now: () => number = Date.now): number | undefined {
  const since = useRef<number | undefined>(undefined);
  if (condition && since.current === undefined) since.current = now();
  if (!condition) since.current = undefined;
  return since.current;
}
