// The runbook as a checklist: done / current / pending / skipped / failed / rejected, one line per step.
import type { StepView } from "../../runs/types.js";
import type { Row } from "../rows.js";
import { STEP_MARK } from "../theme.js";
import { RowList } from "./RowList.js";

export interface RunChecklistProps {
  steps: readonly StepView[];
  /** At most this many lines; the window follows the current step. */
  maxRows?: number;
}

/** Which slice of the steps to show so the current step stays on screen. */
export function checklistWindow(steps: readonly StepView[], maxRows: number): { start: number; end: number } {
  if (steps.length <= maxRows) return { start: 0, end: steps.length };
  const current = Math.max(
    0,
    steps.findIndex((step) => step.status === "current" || step.status === "failed"),
  );
  const start = Math.min(Math.max(0, current - Math.floor(maxRows / 2)), steps.length - maxRows);
  return { start, end: start + maxRows };
}

export function stepRow(step: StepView): Row {
  const { mark, tone } = STEP_MARK[step.status];
  const current = step.status === "current" || step.status === "failed";
  return [
    { text: mark, tone },
    { text: ` ${step.title}`, bold: current, dim: step.status === "skipped" },
    ...(step.status === "rejected" ? [{ text: " (rejected)", tone: "danger" as const }] : []),
  ];
}

/**
 * The checklist as rows, at most `maxRows`. With `markers` two of them say how many steps lie above and below the
 * window; without, the window is only steps (the approval screen says "Step n of m" itself).
 */
export function checklistRows(steps: readonly StepView[], maxRows: number, markers = true): Row[] {
  if (maxRows <= 0) return [];
  const rows = markers && steps.length > maxRows ? Math.max(1, maxRows - 2) : maxRows;
  const { start, end } = checklistWindow(steps, rows);
  const shown = steps.slice(start, end).map(stepRow);
  if (!markers) return shown;
  return [
    ...(start > 0 ? [[{ text: ` … ${start} earlier`, dim: true }]] : []),
    ...shown,
    ...(end < steps.length ? [[{ text: ` … ${steps.length - end} more`, dim: true }]] : []),
  ];
}

export function RunChecklist({ steps, maxRows = steps.length }: RunChecklistProps) {
  return <RowList rows={checklistRows(steps, maxRows)} />;
}
