// Top line of every screen: where you are and what you are looking at.
import { Box, Text } from "ink";
import { useTheme } from "../theme.js";

export function HeaderBar({ title, detail }: { title: string; detail?: string }) {
  const theme = useTheme();
  return (
    <Box>
      {/* A long detail is cut at its end, never the name at the start of the line. */}
      <Box flexShrink={0}>
        <Text bold color={theme.tone("accent")}>
          acr-cmk
        </Text>
      </Box>
      <Text wrap="truncate-end">
        {" · "}
        <Text bold>{title}</Text>
        {detail ? ` · ${detail}` : ""}
      </Text>
    </Box>
  );
}
