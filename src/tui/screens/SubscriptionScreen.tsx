// Which subscription: the ones the signed-in identity can see, by name, id and state. Only enabled ones can be chosen;
// the others are listed apart, marked, so nobody wonders where theirs went.
import { useEffect, useState } from "react";
import { Box, Text, useInput, useWindowSize } from "ink";
import { BusyLine } from "../components/BusyLine.js";
import { HeaderBar } from "../components/HeaderBar.js";
import { KeyHints, type KeyHint } from "../components/KeyHints.js";
import { SelectList, type SelectItem } from "../components/SelectList.js";
import { truncate } from "../format.js";
import type { Pending } from "../hooks/use-pending.js";
import { isSelectable } from "../hooks/use-subscription-flow.js";
import { useShell } from "../session.js";
import { useTheme, type Tone } from "../theme.js";
import type { SubscriptionChoice } from "../types.js";

export interface SubscriptionScreenProps {
  listing: Pending<SubscriptionChoice[]>;
  /** The subscription the session was in before the person came back here, if any. */
  current?: string;
  sandbox: boolean;
  onChoose: (choice: SubscriptionChoice) => void;
  onRetry: () => void;
  /** Back to the current subscription (Esc), when there is one. */
  onBack?: () => void;
  reserveRows?: number;
}

/** Names longer than this are cut, so id and state stay on the line at 80 columns. */
const NAME_WIDTH = 28;
/** Rows besides the lists: header, question, heading of the others, keys, a spare last row. */
const CHROME_ROWS = 5;
/** Subscriptions that cannot be chosen get at most this many lines. */
const MAX_OTHER_ROWS = 4;

const SIGN_IN_HINT =
  "Sign in with another account (az login), or name a subscription with --subscription <id> or AZURE_SUBSCRIPTION_ID.";

function stateMark(state: string): { mark: string; tone: Tone } {
  if (state === "Warned" || state === "PastDue") return { mark: "!", tone: "warning" };
  if (state === "Disabled" || state === "Deleted") return { mark: "✖", tone: "danger" };
  return { mark: "?", tone: "muted" };
}

function byName(a: SubscriptionChoice, b: SubscriptionChoice): number {
  return a.displayName.localeCompare(b.displayName) || a.subscriptionId.localeCompare(b.subscriptionId);
}

export function SubscriptionScreen({
  listing,
  current,
  sandbox,
  onChoose,
  onRetry,
  onBack,
  reserveRows = 0,
}: SubscriptionScreenProps) {
  const shell = useShell();
  const theme = useTheme();
  const { rows } = useWindowSize();
  const [since, setSince] = useState(() => Date.now());
  useEffect(() => {
    if (listing.state === "loading") setSince(Date.now());
  }, [listing.state]);

  useInput(
    (_input, key) => {
      if (key.return && listing.state === "failed") onRetry();
      else if (key.escape && onBack) onBack();
    },
    { isActive: !shell.paused },
  );

  const header = <HeaderBar title="home" detail="choose a subscription" />;
  const keys = (first: KeyHint[]) => (
    <KeyHints
      hints={[
        ...first,
        ...(onBack ? [{ key: "Esc", label: "back" }] : []),
        { key: "q", label: "quit" },
        { key: "?", label: "help" },
      ]}
    />
  );

  if (listing.state === "loading") {
    return (
      <Box flexDirection="column">
        {header}
        <BusyLine
          label={sandbox ? "Listing the sandbox's subscriptions" : "Listing your Azure subscriptions"}
          since={since}
        />
      </Box>
    );
  }
  if (listing.state === "failed") {
    return (
      <Box flexDirection="column">
        {header}
        <Text wrap="wrap" color={theme.tone("danger")}>
          ✖ Could not list subscriptions: {listing.message}
        </Text>
        {sandbox ? null : <Text wrap="wrap">{SIGN_IN_HINT}</Text>}
        {keys([{ key: "Enter", label: "try again" }])}
      </Box>
    );
  }

  const selectable = listing.value.filter(isSelectable).sort(byName);
  const others = listing.value.filter((choice) => !isSelectable(choice)).sort(byName);
  const nameWidth = Math.min(NAME_WIDTH, Math.max(0, ...listing.value.map((choice) => choice.displayName.length)));
  const name = (choice: SubscriptionChoice) => truncate(choice.displayName, nameWidth).padEnd(nameWidth);
  const shownOthers = others.slice(0, others.length > MAX_OTHER_ROWS ? MAX_OTHER_ROWS - 1 : MAX_OTHER_ROWS);
  const othersRows = others.length === 0 ? 0 : shownOthers.length + 1 + (shownOthers.length < others.length ? 1 : 0);

  const items: SelectItem[] = selectable.map((choice) => ({
    key: choice.subscriptionId,
    label: name(choice),
    hint: `${choice.subscriptionId} · ${choice.state}${choice.subscriptionId === current ? " · current" : ""}`,
  }));

  return (
    <Box flexDirection="column">
      {header}
      {listing.value.length === 0 ? (
        <>
          <Text wrap="wrap">This sign-in can see no subscriptions.</Text>
          <Text wrap="wrap">{SIGN_IN_HINT}</Text>
        </>
      ) : selectable.length === 0 ? (
        <>
          <Text wrap="wrap">None of the subscriptions you can see is enabled, so none can be recovered here.</Text>
          {sandbox ? null : <Text wrap="wrap">{SIGN_IN_HINT}</Text>}
        </>
      ) : (
        <>
          <Text>Which subscription? (↑↓ / j k, Enter)</Text>
          <SelectList
            items={items}
            maxRows={Math.max(3, rows - reserveRows - CHROME_ROWS - othersRows)}
            onChoose={(item) => {
              const choice = selectable.find((c) => c.subscriptionId === item.key);
              if (choice) onChoose(choice);
            }}
          />
        </>
      )}
      {others.length > 0 ? (
        <>
          <Text dimColor>Not enabled, cannot be chosen:</Text>
          {shownOthers.map((choice) => {
            const { mark, tone } = stateMark(choice.state);
            return (
              <Text key={choice.subscriptionId} wrap="truncate-end">
                <Text color={theme.tone(tone)}>{mark}</Text> {name(choice)}{" "}
                <Text dimColor>
                  {choice.subscriptionId} · {choice.state}
                </Text>
              </Text>
            );
          })}
          {shownOthers.length < others.length ? (
            <Text dimColor>… and {others.length - shownOthers.length} more</Text>
          ) : null}
        </>
      ) : null}
      {keys(selectable.length > 0 ? [{ key: "Enter", label: "choose" }] : [])}
    </Box>
  );
}
