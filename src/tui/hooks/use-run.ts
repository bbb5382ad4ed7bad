// Subscribes a component to one run of the RunEngine: the latest RunView, and a way to act on it that turns a
// refusal or an Azure failure into a message on screen instead of a crash.
import { useCallback, useEffect, useRef, useState } from "react";
import type { RunEngine, RunRefused, RunView, SharedRuns } from "../../runs/types.js";

/**
 * How often the screen looks at the run's store for moves made by another process (`runs resume` in another shell,
 * the Slack app): a run finished elsewhere leaves no approval box or spinner behind for more than this.
 */
export const FOLLOW_STORE_MS = 1000;

/** The engine's view of runs other processes move too, when it has one (the CLI's engine does; fakes may not). */
function sharedRunsOf(engine: RunEngine): SharedRuns | undefined {
  const shared = engine as Partial<SharedRuns>;
  return typeof shared.revisions === "function" && typeof shared.reload === "function"
    ? (shared as SharedRuns)
    : undefined;
}

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
  // The first view comes from the engine's promise: the screen shows the run as soon as the store answers.
  const [view, setView] = useState<RunView | undefined>();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [refusal, setRefusal] = useState<RunRefused["reason"] | undefined>();
  const mounted = useRef(true);
  const shown = useRef(view);
  shown.current = view;

  useEffect(() => {
    const shared = sharedRunsOf(engine);
    if (!shared) return undefined;
    let looking = false;
    const look = async () => {
      const revision = (await shared.revisions([runId])).get(runId);
      const seen = shown.current;
      if (!revision || (seen && revision.updatedAt === seen.updatedAt && revision.status === seen.status)) return;
      const next = await shared.reload(runId);
      if (next && mounted.current) setView(next);
    };
    const timer = setInterval(() => {
      // One look at a time: a store that is slow to answer is not asked again meanwhile.
      if (looking) return;
      looking = true;
      look()
        .catch(() => undefined) // The engine closed while the screen goes away, or the store did not answer: next time.
        .finally(() => (looking = false));
    }, FOLLOW_STORE_MS);
    return () => clearInterval(timer);
  }, [engine, runId]);

  useEffect(() => {
    mounted.current = true;
    engine.get(runId).then(
      (stored) => {
        // A view the engine announced meanwhile is newer than the one read.
        if (mounted.current) setView((current) => current ?? stored);
      },
      () => undefined,
    );
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
