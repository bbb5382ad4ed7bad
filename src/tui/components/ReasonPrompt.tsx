// Asks why a change is rejected or a run aborted: the answer goes to the audit log, so it may not be empty.
import { Box, Text } from "ink";
import { TextInput } from "@inkjs/ui";
import { useTheme } from "../theme.js";

export interface ReasonPromptProps {
  action: "reject" | "abort";
  onSubmit: (reason: string) => void;
  message?: string;
}

export function ReasonPrompt({ action, onSubmit, message }: ReasonPromptProps) {
  const theme = useTheme();
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={theme.tone("warning")} paddingX={1}>
      <Text bold>{action === "reject" ? "Why do you reject this change?" : "Why do you abort this run?"}</Text>
      <Text dimColor wrap="truncate-end">
        The reason goes to the audit log. Enter sends it, Esc goes back.
      </Text>
      <Box>
        <Text>{"> "}</Text>
        <TextInput placeholder="reason" onSubmit={onSubmit} />
      </Box>
      {message ? <Text color={theme.tone("danger")}>{message}</Text> : null}
    </Box>
  );
}
