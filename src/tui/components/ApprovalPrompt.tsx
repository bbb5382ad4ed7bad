// Before a change: exactly what changes, on which resource, how risky it is, and how to say yes or no.
import { Box, Text } from "ink";
import { TextInput } from "@inkjs/ui";
import type { ApprovalRequest } from "../../runs/types.js";
import { RISK_TONE, useTheme } from "../theme.js";

/** High-risk and irreversible changes need the registry name typed, not a single key. */
export function needsTypedConfirmation(approval: Pick<ApprovalRequest, "risk" | "irreversible">): boolean {
  return approval.risk === "high" || approval.irreversible;
}

export interface ApprovalPromptProps {
  approval: ApprovalRequest;
  registry: string;
  /** The typed confirmation is open. */
  confirming: boolean;
  onConfirm: (typed: string) => void;
  /** Why the last attempt did not go through (wrong name, refused by policy). */
  message?: string;
}

export function ApprovalPrompt({ approval, registry, confirming, onConfirm, message }: ApprovalPromptProps) {
  const theme = useTheme();
  const typed = needsTypedConfirmation(approval);
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={theme.tone(RISK_TONE[approval.risk])} paddingX={1}>
      <Text bold wrap="truncate-end">
        Approve this change? {approval.title}
      </Text>
      <Text wrap="truncate-end">
        <Text dimColor>resource </Text>
        {approval.resource}
      </Text>
      <Text wrap="truncate-end">
        <Text dimColor>before </Text>
        {approval.before}
      </Text>
      <Text wrap="truncate-end">
        <Text dimColor>after </Text>
        {approval.after}
      </Text>
      <Text wrap="truncate-end" color={theme.tone("info")}>
        $ {approval.az}
      </Text>
      <Text wrap="truncate-end">
        <Text dimColor>risk </Text>
        <Text bold color={theme.tone(RISK_TONE[approval.risk])}>
          {approval.risk}
        </Text>
        {approval.irreversible ? <Text color={theme.tone("danger")}> · cannot be undone</Text> : null}
      </Text>
      {confirming ? (
        <Box flexDirection="column">
          <Text wrap="wrap">
            Type the registry name <Text bold>{registry}</Text> and press Enter to approve (Esc cancels):
          </Text>
          <Box>
            <Text>{"> "}</Text>
            <TextInput placeholder={registry} onSubmit={onConfirm} />
          </Box>
        </Box>
      ) : (
        <Text wrap="truncate-end">
          Press <Text bold>a</Text> to approve{typed ? " (then type the registry name)" : ""}, <Text bold>r</Text> to
          reject with a reason.
        </Text>
      )}
      {message ? (
        <Text wrap="wrap" color={theme.tone("danger")}>
          {message}
        </Text>
      ) : null}
    </Box>
  );
}
