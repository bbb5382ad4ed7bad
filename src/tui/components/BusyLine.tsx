// While Azure calls are in flight: a spinner and how long it has been, so silence never looks like a hang.
import { useElapsed } from "../hooks/use-elapsed.js";
import { formatElapsed } from "../format.js";
import { Spinner } from "./Spinner.js";

export interface BusyLineProps {
  label: string;
  /** Epoch ms the wait started. */
  since: number;
  now?: () => number;
}

export function BusyLine({ label, since, now }: BusyLineProps) {
  const elapsed = useElapsed(since, true, now);
  return <Spinner label={`${label} · ${formatElapsed(elapsed)}`} />;
}
