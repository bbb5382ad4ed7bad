// Subscribes a component to one run of the RunEngine: the latest RunView, and a way to act on it that turns a
// refusal or an Azure failure into a message on screen instead of a crash.
import { useCallback, useEffect, useRef, useState } from "react";
import type { RunEngine, RunView } from "../../runs/types.js";

export interface RunHandle {
  view: RunView | undefined;
  /** An engine call from this screen is in flight. */
  pending: boolean;
  /** The last engine call's failure, in words. */
  error: string | undefined;
  /** Runs one engine call; resolves true when it went through. */
  act: (call: (engine: RunEngine) => Promise<RunView>) => Promise<boolean>;
  clearError: () => void;
}

export function useRun(engine: RunEngine, runId: string): RunHandle {
  const [view, setView] = useState<RunView | undefined>(() => engine.get(runId));
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const mounted = useRef(true);

  useEffect(() => {
    mounted.current = true;
    setView(engine.get(runId));
    const unsubscribe = engine.subscribe(runId, (next) => {
      if (mounted.current) setView(next);
    });
    return () => {
      mounted.current = false;
      unsubscribe();
    };
  }, [engine, runId]);

  const act = useCallback(
    async (call: (engine: RunEngine) => Promise<RunView>): Promise<boolean> => {
      setPending(true);
      setError(undefined);
      try {
        const next = await call(engine);
        if (mounted.current) setView(next);
        return true;
      } catch (failure) {
        if (mounted.current) setError(failure instanceof Error ? failure.message : String(failure));
        return false;
      } finally {
        if (mounted.current) setPending(false);
      }
    },
    [engine],
  );

  return { view, pending, error, act, clearError: useCallback(() => setError(undefined), []) };
}
