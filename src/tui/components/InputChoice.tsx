// When the runbook needs a person to choose (e.g. which key version to restore), the options as a list.
import { Box, Text } from "ink";
import type { InputRequest } from "../../runs/types.js";
import { SelectList } from "./SelectList.js";

export interface InputChoiceProps {
  request: InputRequest;
  onChoose: (optionId: string) => void;
  isActive: boolean;
}

export function InputChoice({ request, onChoose, isActive }: InputChoiceProps) {
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Text bold wrap="wrap">
        {request.prompt}
      </Text>
      <SelectList
        items={request.options.map((option) => ({ key: option.id, label: option.label }))}
        onChoose={(item) => onChoose(item.key)}
        isActive={isActive}
        wrap
      />
    </Box>
  );
}
