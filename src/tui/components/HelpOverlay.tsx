// `?`: every key, in one place.
import { Box, Text } from "ink";
import { useTheme } from "../theme.js";

const KEYS: ReadonlyArray<[string, string]> = [
  ["↑ ↓ / j k", "move in a list; scroll a change or an outcome taller than the screen"],
  ["Enter", "choose"],
  ["a", "approve the change on screen (high risk: type the registry name, Enter)"],
  ["r", "reject the change on screen (asks for a reason)"],
  ["x", "abort the run (asks for a reason)"],
  ["t", "try a failed step again"],
  ["R", "runs: list, resume, audit trail"],
  ["s", "choose another subscription (from the registry list)"],
  ["Esc", "back / cancel typing"],
  ["q", "leave; a running run stays resumable (acr-cmk runs resume <id>)"],
  ["Ctrl-C", "leave at once, same as q"],
  ["?", "show or hide this help"],
];

export function HelpOverlay() {
  const theme = useTheme();
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={theme.tone("info")} paddingX={1}>
      <Text bold>Keys</Text>
      {KEYS.map(([key, what]) => (
        <Text key={key} wrap="truncate-end">
          <Text bold color={theme.tone("info")}>
            {key.padEnd(10)}
          </Text>{" "}
          {what}
        </Text>
      ))}
      <Text dimColor wrap="truncate-end">
        Nothing changes in Azure without your approval. Press ? or Esc to close.
      </Text>
    </Box>
  );
}
