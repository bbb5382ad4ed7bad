// Subscribes a component to one run of the RunEngine: the latest RunView, and a way to act on it that turns a
// refusal or an Azure failure into a message on screen instead of a crash.
import { useCallback, useEffect, useRef, useState } from "react";
import type { RunEngine, RunRefused, RunView } from "../../runs/types.js";

export interface RunHandle {
  view: RunView | undefined;
  /** An engine call from this screen is in flight. */
  pending: boolean;
  /** The last engine call's failure, in words. */
  error: string | undefined;
  /** Why the engine refused the last call, when it was a refusal (not an Azure failure). */
  refusal: RunRefused["reason"] | undefined;
  /** Runs one engine call; resolves true when it went through. */
  act: (call: (engine: RunEngine) => Promise<RunView>) => Promise<boolean>;
  clearError: () => void;
}

/** A RunRefused's reason, read by shape: the engine may come from another copy of the module (tests, bundles). */
function refusalReason(failure: unknown): RunRefused["reason"] | undefined {
  if (failure instanceof Error && failure.name === "RunRefused" && "reason" in failure) {
    return failure.reason as RunRefused["reason"];
  }
  return undefined;
}

export function useRun(engine: RunEngine, runId: string): RunHandle {
  const [view, setView] = useState<RunView | undefined>(() => engine.get(runId));
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [refusal, setRefusal] = useState<RunRefused["reason"] | undefined>();
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
      setRefusal(undefined);
      try {
        const next = await call(engine);
        if (mounted.current) setView(next);
        return true;
      } catch (failure) {
        if (mounted.current) {
          setError(failure instanceof Error ? failure.message : String(failure));
          setRefusal(refusalReason(failure));
        }
        return false;
      } finally {
        if (mounted.current) setPending(false);
      }
    },
    [engine],
  );

  const clearError = useCallback(() => {
    setError(undefined);
    setRefusal(undefined);
  }, []);
  return { view, pending, error, refusal, act, clearError };
}
