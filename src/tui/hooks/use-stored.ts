// What a screen reads from the run store, once per change of its inputs: undefined until the store answers (the
// screen shows that it is loading), then the answer; a failure is shown in words instead of crashing the screen.
import { useEffect, useState } from "react";

export interface Stored<T> {
  value: T | undefined;
  error: string | undefined;
}

export function useStored<T>(read: () => Promise<T>, inputs: readonly unknown[]): Stored<T> {
  const [state, setState] = useState<Stored<T>>({ value: undefined, error: undefined });
  useEffect(() => {
    let current = true;
    setState({ value: undefined, error: undefined });
    read().then(
      (value) => current && setState({ value, error: undefined }),
      (error: unknown) =>
        current && setState({ value: undefined, error: error instanceof Error ? error.message : String(error) }),
    );
    return () => {
      current = false;
    };
    // The inputs name what is read; `read` itself is a new closure on every render.
  }, inputs);
  return state;
}
