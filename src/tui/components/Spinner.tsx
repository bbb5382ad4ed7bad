// The busy spinner, drawn like @inkjs/ui's (the "dots" frames every 80 ms, blue, then the label) but without loading
// the whole @inkjs/ui index: it is on the first frame, and that frame has a start-up budget.
import { useEffect, useState } from "react";
import { Box, Text } from "ink";
import { useTheme } from "../theme.js";

export const SPINNER_FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"] as const;
export const SPINNER_INTERVAL_MS = 80;

export function Spinner({ label }: { label?: string }) {
  const theme = useTheme();
  const [frame, setFrame] = useState(0);
  useEffect(() => {
    const timer = setInterval(
      () => setFrame((previous) => (previous + 1) % SPINNER_FRAMES.length),
      SPINNER_INTERVAL_MS,
    );
    return () => clearInterval(timer);
  }, []);
  return (
    <Box gap={1}>
      <Text color={theme.color ? "blue" : undefined}>{SPINNER_FRAMES[frame]}</Text>
      {label ? <Text>{label}</Text> : null}
    </Box>
  );
}
