// The newest log lines of the run, so the screen always says what just happened.
import { Box, Text } from "ink";
import type { RunLogEntry } from "../../runs/types.js";
import { useTheme, type Tone } from "../theme.js";

const LEVEL: Record<RunLogEntry["level"], { mark: string; tone: Tone }> = {
  info: { mark: "·", tone: "muted" },
  warn: { mark: "!", tone: "warning" },
  error: { mark: "✖", tone: "danger" },
};

/** HH:MM:SS of an ISO time, or the text itself when it is not one. */
function clockTime(at: string): string {
  const match = /T(\d{2}:\d{2}:\d{2})/.exec(at);
  return match?.[1] ?? at;
}

export function LogPane({ log, rows = 4 }: { log: readonly RunLogEntry[]; rows?: number }) {
  const theme = useTheme();
  const lines = log.slice(-rows);
  return (
    <Box flexDirection="column">
      {lines.length === 0 ? <Text dimColor>No log lines yet.</Text> : null}
      {lines.map((entry, index) => (
        <Text key={`${log.length - lines.length + index}`} wrap="truncate-end">
          <Text dimColor>{clockTime(entry.at)}</Text>{" "}
          <Text color={theme.tone(LEVEL[entry.level].tone)}>{LEVEL[entry.level].mark}</Text> {entry.message}
        </Text>
      ))}
    </Box>
  );
}
