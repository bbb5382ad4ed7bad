// The one line that tells a person they are practising, not touching production.
import { Box, Text } from "ink";
import { useTheme } from "../theme.js";

export function SandboxBanner({ subscriptionId }: { subscriptionId: string }) {
  const theme = useTheme();
  return (
    <Box>
      <Text inverse bold color={theme.tone("warning")}>
        {" SANDBOX "}
      </Text>
      <Text wrap="truncate-end"> simulated Azure · subscription {subscriptionId} · no real resource changes</Text>
    </Box>
  );
}
