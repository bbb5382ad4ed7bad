// A run's end: what happened in plain words, what to do next, and the commands that undo its changes.
import { Box, Text } from "ink";
import type { RunView } from "../../runs/types.js";
import { statusWords } from "../format.js";
import { statusTone, useTheme } from "../theme.js";
import { undoOrder } from "../../runs/undo.js";

export function RunOutcome({ view, maxRows = 12 }: { view: RunView; maxRows?: number }) {
  const theme = useTheme();
  const nextSteps = view.outcome?.nextSteps ?? [];
  const rollback = undoOrder(view);
  const mark = view.status === "succeeded" ? "✔" : "✖";
  // Keep the summary; give the rest of the rows to next steps first, rollback after.
  const room = Math.max(0, maxRows - 3);
  const steps = nextSteps.slice(0, room);
  const undo = rollback.slice(0, Math.max(0, room - steps.length - 1));
  return (
    <Box flexDirection="column">
      <Text bold color={theme.tone(statusTone(view.status))}>
        {mark} Run {statusWords(view.status)}
      </Text>
      {view.outcome ? <Text wrap="wrap">{view.outcome.summary}</Text> : null}
      {steps.length > 0 ? <Text dimColor>Next:</Text> : null}
      {steps.map((step, index) => (
        <Text key={`n${index}`} wrap="wrap">
          {"  "}• {step}
        </Text>
      ))}
      {undo.length > 0 ? <Text dimColor>Undo with (in this order, newest change first):</Text> : null}
      {undo.map((command, index) => (
        <Text key={`u${index}`} wrap="truncate-end" color={theme.tone("info")}>
          {"  "}$ {command}
        </Text>
      ))}
    </Box>
  );
}
