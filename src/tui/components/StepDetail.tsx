// The step in focus: what it does, why, its Azure CLI equivalent and the evidence it found.
import { Box, Text } from "ink";
import type { StepView } from "../../runs/types.js";
import { RISK_TONE, useTheme } from "../theme.js";

export interface StepDetailProps {
  step: StepView;
  /** Evidence lines to show at most (newest kept). */
  maxEvidence?: number;
}

export function StepDetail({ step, maxEvidence = 4 }: StepDetailProps) {
  const theme = useTheme();
  const evidence = step.evidence ?? [];
  const shown = evidence.slice(-maxEvidence);
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">
        {step.title}
      </Text>
      <Text wrap="truncate-end">
        <Text dimColor>{step.kind} step · risk </Text>
        <Text color={theme.tone(RISK_TONE[step.risk])}>{step.risk}</Text>
        {step.irreversible ? <Text color={theme.tone("danger")}> · cannot be undone</Text> : null}
      </Text>
      <Text wrap="wrap">{step.why}</Text>
      {step.az ? (
        <Text wrap="truncate-end" color={theme.tone("info")}>
          $ {step.az}
        </Text>
      ) : null}
      {shown.length > 0 ? (
        <Box flexDirection="column">
          <Text dimColor>
            Evidence{evidence.length > shown.length ? ` (last ${shown.length} of ${evidence.length})` : ""}:
          </Text>
          {shown.map((line, index) => (
            <Text key={index} wrap="truncate-end">
              {"  "}• {line}
            </Text>
          ))}
        </Box>
      ) : null}
    </Box>
  );
}
