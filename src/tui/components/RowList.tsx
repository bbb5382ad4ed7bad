// Draws rows built ahead (see rows.ts): one Text per row, so what was counted is what appears.
import { Box, Text } from "ink";
import type { Row } from "../rows.js";
import { useTheme } from "../theme.js";

export function RowLine({ row }: { row: Row }) {
  const theme = useTheme();
  if (row.length === 0) return <Text> </Text>;
  return (
    <Text wrap="truncate-end">
      {row.map((span, index) => (
        <Text key={index} bold={span.bold} dimColor={span.dim} color={span.tone ? theme.tone(span.tone) : undefined}>
          {span.text}
        </Text>
      ))}
    </Text>
  );
}

export function RowList({ rows }: { rows: readonly Row[] }) {
  return (
    <Box flexDirection="column">
      {rows.map((row, index) => (
        <RowLine key={index} row={row} />
      ))}
    </Box>
  );
}

/** Two columns drawn row by row, so they scroll together. */
export function RowColumns({
  left,
  right,
  leftWidth,
}: {
  left: readonly Row[];
  right: readonly Row[];
  leftWidth: number;
}) {
  const count = Math.max(left.length, right.length);
  return (
    <Box flexDirection="column">
      {Array.from({ length: count }, (_, index) => (
        <Box key={index}>
          <Box width={leftWidth} marginRight={1} flexShrink={0}>
            <RowLine row={left[index] ?? []} />
          </Box>
          <Box flexGrow={1}>
            <RowLine row={right[index] ?? []} />
          </Box>
        </Box>
      ))}
    </Box>
  );
}
