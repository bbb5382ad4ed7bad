// The diagnosis: findings most severe first, each with what it means and the evidence that says so.
import { Box, Text } from "ink";
import type { Finding } from "../../diagnosis/types.js";
import { evidenceLine, sortBySeverity } from "../format.js";
import { SEVERITY_TONE, useTheme } from "../theme.js";

export interface FindingListProps {
  findings: readonly Finding[];
  /** Findings to show in full at most; the rest are counted. */
  maxFindings?: number;
}

const LABEL = { critical: "CRITICAL", warning: "WARNING ", info: "INFO    " } as const;

export function FindingList({ findings, maxFindings = findings.length }: FindingListProps) {
  const theme = useTheme();
  const sorted = sortBySeverity(findings);
  const shown = sorted.slice(0, Math.max(1, maxFindings));
  const hidden = sorted.length - shown.length;
  if (sorted.length === 0) {
    return <Text color={theme.tone("success")}>✔ No findings: the registry can read its key.</Text>;
  }
  return (
    <Box flexDirection="column">
      {shown.map((finding) => (
        <Box key={finding.id} flexDirection="column">
          <Text wrap="truncate-end">
            <Text bold color={theme.tone(SEVERITY_TONE[finding.severity])}>
              {LABEL[finding.severity]}
            </Text>{" "}
            <Text bold>{finding.title}</Text> <Text dimColor>{finding.id}</Text>
          </Text>
          <Text wrap="truncate-end">
            {"  "}
            {finding.detail}
          </Text>
          {Object.keys(finding.evidence).length > 0 ? (
            <Text wrap="truncate-end" dimColor>
              {"  "}evidence: {evidenceLine(finding.evidence)}
            </Text>
          ) : null}
        </Box>
      ))}
      {hidden > 0 ? <Text dimColor>… {hidden} more (acr-cmk diagnose shows them all)</Text> : null}
    </Box>
  );
}
