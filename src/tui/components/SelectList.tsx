// A list to choose from with arrows or j/k and Enter (the @inkjs/ui Select knows no j/k).
import { Box, Text } from "ink";
import { useListCursor } from "../hooks/use-list-cursor.js";
import { useTheme } from "../theme.js";

export interface SelectItem {
  key: string;
  label: string;
  hint?: string;
}

export interface SelectListProps {
  items: readonly SelectItem[];
  onChoose: (item: SelectItem) => void;
  isActive?: boolean;
  /** Lines to show at most; the window follows the highlight. */
  maxRows?: number;
  /** Long labels wrap under themselves instead of being cut (choices a person must read whole). */
  wrap?: boolean;
}

export function SelectList({
  items,
  onChoose,
  isActive = true,
  maxRows = items.length,
  wrap = false,
}: SelectListProps) {
  const theme = useTheme();
  const index = useListCursor(
    items.length,
    (i) => {
      const item = items[i];
      if (item) onChoose(item);
    },
    isActive,
  );
  const rows = Math.max(1, maxRows);
  const start = Math.min(Math.max(0, index - rows + 1), Math.max(0, items.length - rows));
  return (
    <Box flexDirection="column">
      {items.slice(start, start + rows).map((item, offset) => {
        const selected = start + offset === index;
        return (
          <Box key={item.key}>
            <Box width={2} flexShrink={0}>
              <Text bold={selected} color={selected ? theme.tone("accent") : undefined}>
                {selected ? "❯" : " "}
              </Text>
            </Box>
            <Text wrap={wrap ? "wrap" : "truncate-end"} bold={selected}>
              {item.label}
              {item.hint ? <Text dimColor> {item.hint}</Text> : null}
            </Text>
          </Box>
        );
      })}
    </Box>
  );
}
