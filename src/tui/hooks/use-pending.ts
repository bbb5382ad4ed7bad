// A value that may still be on its way (the connection, the screens, the subscription list), as state to render.
import { useEffect, useMemo, useState } from "react";

export type Pending<T> = { state: "ready"; value: T } | { state: "loading" } | { state: "failed"; message: string };

const LOADING = { state: "loading" } as const;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Follows `pending` as it settles. A new promise starts again from "loading": the outcome of the one before (another
 * subscription's connection, say) is never shown for it. Nothing yet (`undefined`) is loading too.
 */
export function usePending<T>(pending: T | Promise<T> | undefined): Pending<T> {
  const [settled, setSettled] = useState<{ of: Promise<T>; result: Pending<T> } | undefined>();
  useEffect(() => {
    if (!(pending instanceof Promise)) return;
    let live = true;
    pending.then(
      (value) => {
        if (live) setSettled({ of: pending, result: { state: "ready", value } });
      },
      (error: unknown) => {
        if (live) setSettled({ of: pending, result: { state: "failed", message: messageOf(error) } });
      },
    );
    return () => {
      live = false;
    };
  }, [pending]);
  // One object per value, so what depends on the result (the session) changes only when the value does.
  const given = useMemo<Pending<T> | undefined>(
    () => (pending === undefined || pending instanceof Promise ? undefined : { state: "ready", value: pending }),
    [pending],
  );
  if (given) return given;
  if (pending === undefined) return LOADING;
  return settled?.of === pending ? settled.result : LOADING;
}
