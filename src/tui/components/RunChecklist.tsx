// The runbook as a checklist: done / current / pending / skipped / failed, one line per step.
import { Box, Text } from "ink";
import type { StepView } from "../../runs/types.js";
import { STEP_MARK, useTheme } from "../theme.js";

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

export function RunChecklist({ steps, maxRows = steps.length }: RunChecklistProps) {
  const theme = useTheme();
  // Two rows go to the "… more" markers when the list does not fit.
  const rows = steps.length > maxRows ? Math.max(1, maxRows - 2) : maxRows;
  const { start, end } = checklistWindow(steps, rows);
  return (
    <Box flexDirection="column">
      {start > 0 ? <Text dimColor> … {start} earlier</Text> : null}
      {steps.slice(start, end).map((step) => {
        const { mark, tone } = STEP_MARK[step.status];
        const current = step.status === "current" || step.status === "failed";
        return (
          <Text key={step.id} wrap="truncate-end" bold={current} dimColor={step.status === "skipped"}>
            <Text color={theme.tone(tone)}>{mark}</Text> {step.title}
          </Text>
        );
      })}
      {end < steps.length ? <Text dimColor> … {steps.length - end} more</Text> : null}
    </Box>
  );
}
