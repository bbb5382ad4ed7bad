// The bottom line: the keys that do something right now, so nobody has to remember them at 3 a.m.
import { Box, Text } from "ink";
import { useTheme } from "../theme.js";

export interface KeyHint {
  key: string;
  label: string;
}

/** Under a diagnosis, with a menu to choose from. */
export const REPORT_HINTS: readonly KeyHint[] = [
  { key: "Enter", label: "choose" },
  { key: "R", label: "runs" },
  { key: "q", label: "quit" },
  { key: "?", label: "help" },
];

export function KeyHints({ hints }: { hints: readonly KeyHint[] }) {
  const theme = useTheme();
  return (
    <Box>
      <Text wrap="truncate-end">
        {hints.map((hint, index) => (
          <Text key={hint.key}>
            {index > 0 ? "  " : ""}
            <Text bold color={theme.tone("info")}>
              {hint.key}
            </Text>{" "}
            {hint.label}
          </Text>
        ))}
      </Text>
    </Box>
  );
}
