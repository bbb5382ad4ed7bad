// Milliseconds since `since`, re-rendering once a second while active.
import { useEffect, useState } from "react";

export function useElapsed(since: number | undefined, active = true, now: () => number = Date.now): number {
  const [tick, setTick] = useState(() => now());
  useEffect(() => {
    if (!active || since === undefined) return;
    setTick(now());
    const timer = setInterval(() => setTick(now()), 1000);
    return () => clearInterval(timer);
  }, [since, active, now]);
  return since === undefined ? 0 : Math.max(0, tick - since);
}
