// A screen whose Azure call failed: why, and the keys that go on from there (Enter tries again).
import type { ReactNode } from "react";
import { Box, Text } from "ink";
import { useTheme } from "../theme.js";
import { KeyHints } from "./KeyHints.js";

export function FailedPanel({
  header,
  message,
  hints = [],
}: {
  header: ReactNode;
  message: string;
  /** Keys besides try again, runs and quit. */
  hints?: Array<{ key: string; label: string }>;
}) {
  const theme = useTheme();
  return (
    <Box flexDirection="column">
      {header}
      <Text wrap="wrap" color={theme.tone("danger")}>
        ✖ {message}
      </Text>
      <KeyHints
        hints={[
          { key: "Enter", label: "try again" },
          ...hints,
          { key: "R", label: "runs" },
          { key: "q", label: "quit" },
        ]}
      />
    </Box>
  );
}
