// Before a change: exactly what changes, on which resource, how risky it is, and how to say yes or no. Nothing here is
// cut short: what a person approves is what runs, so the resource id and the command wrap, and when they do not fit
// they scroll while the risk and the keys stay in view.
import { Box, Text } from "ink";
import { TextInput } from "@inkjs/ui";
import type { ApprovalRequest } from "../../runs/types.js";
import type { ScrollView } from "../hooks/use-scroll.js";
import { capRows, commandRows, labelledRows, paragraphRows, type Row } from "../rows.js";
import { RISK_TONE, useTheme } from "../theme.js";
import { RowList } from "./RowList.js";

/** High-risk and irreversible changes need the resource's name typed, not a single key. */
export function needsTypedConfirmation(
  approval: Pick<ApprovalRequest, "risk" | "irreversible" | "confirmText">,
): boolean {
  return approval.risk === "high" || approval.irreversible || approval.confirmText !== undefined;
}

/** What the prompt asks for: the number of resources a shared key's revoke cuts off, else the resource's name. */
function typedWhat(approval: Pick<ApprovalRequest, "confirmText">, kind: string, name?: string): string {
  if (approval.confirmText !== undefined)
    return `the number of resources affected${name === undefined ? "" : ` (${approval.confirmText})`}`;
  return `the ${kind} name${name === undefined ? "" : ` ${name}`}`;
}

/** The person at the terminal may not approve this change: who may, and how the run reaches them. */
export interface Handover {
  /** The engine's refusal, once it said no. */
  refusal?: string;
  /** ACR_CMK_APPROVERS; empty means anyone but the requester. */
  approvers: readonly string[];
  /** The command an approver runs to pick the run up. */
  resume: string;
}

export interface ApprovalPromptProps {
  approval: ApprovalRequest;
  /** The name typed back: the registry's, or the container group's. */
  registry: string;
  /** What `registry` names (default registry). */
  kind?: "registry" | "container group";
  /** Who sits at the terminal: the person a keystroke approves as. */
  approver: string;
  /** Why the change is made, in the change step's own words (dropped first when rows are short). */
  why?: string;
  /** The change this one undoes, who made it and when (from the diagnosis' timeline). */
  undoes?: string;
  /** The typed confirmation is open. */
  confirming: boolean;
  onConfirm: (typed: string) => void;
  /** Why the last attempt did not go through (wrong name, stale request). */
  message?: string;
  handover?: Handover;
  /** Columns and rows the prompt may take, border included. */
  width: number;
  maxRows: number;
}

const LABEL_WIDTH = 9;

/** "14:03:39" of an ISO time (the log pane's clock), or the text itself. */
function clock(at: string): string {
  return /T(\d{2}:\d{2}:\d{2})/.exec(at)?.[1] ?? at;
}

function handoverRows(handover: Handover, approver: string, width: number): Row[] {
  const who =
    handover.approvers.length > 0
      ? `Who may approve: ${handover.approvers.join(", ")} (ACR_CMK_APPROVERS).`
      : "Any other person may approve it.";
  return [
    ...paragraphRows(
      handover.refusal ? `✖ ${handover.refusal}` : `${approver} asked for this change and may not approve it here.`,
      width,
      { tone: "danger" },
    ),
    ...paragraphRows(who, width),
    ...paragraphRows("To hand it over, press q (the run waits) and have an approver run:", width),
    ...commandRows(handover.resume, width, "  "),
  ];
}

/**
 * The prompt as rows: `body` (title, why, resource, before, after, command) scrolls when it must; `tail` (risk and
 * what to press) and `message` always show, with the typed field between them when `input`.
 */
export function approvalLayout(props: ApprovalPromptProps): {
  body: Row[];
  tail: Row[];
  message: Row[];
  input: boolean;
  /** Rows the prompt takes, border included. */
  height: number;
  /** Rows `body` may take (it scrolls when it is taller). */
  bodyRoom: number;
} {
  const { approval, width } = props;
  const inner = Math.max(20, width - 4);
  const typed = needsTypedConfirmation(approval);
  const title = paragraphRows(approval.title, inner, { bold: true });
  const fields = [
    ...labelledRows("resource", approval.resource, inner, LABEL_WIDTH),
    ...labelledRows("before", approval.before, inner, LABEL_WIDTH),
    ...labelledRows("after", approval.after, inner, LABEL_WIDTH),
    ...(props.undoes ? labelledRows("undoes", props.undoes, inner, LABEL_WIDTH) : []),
    ...commandRows(approval.az, inner),
  ];
  const risk: Row = [
    { text: "risk ".padEnd(LABEL_WIDTH), dim: true },
    { text: approval.risk, bold: true, tone: RISK_TONE[approval.risk] },
    ...(approval.irreversible ? [{ text: " · cannot be undone", tone: "danger" as const }] : []),
    { text: ` · asked by ${approval.requester} · expires ${clock(approval.expiresAt)}`, dim: true },
  ];
  const input = !props.handover && props.confirming;
  const action = props.handover
    ? handoverRows(props.handover, props.approver, inner)
    : props.confirming
      ? paragraphRows(
          `Approve this change? Type ${typedWhat(approval, props.kind ?? "registry", props.registry)} and press Enter (Esc cancels):`,
          inner,
        )
      : paragraphRows(
          `Approve this change? Press a to approve as ${props.approver}${typed ? ` (then type ${typedWhat(approval, props.kind ?? "registry")})` : ""}, r to reject with a reason.`,
          inner,
        );
  const tail = [risk, ...action];
  const message = props.message ? paragraphRows(props.message, inner, { tone: "danger" }) : [];
  const fixed = 2 + tail.length + message.length + (input ? 1 : 0);
  const why = props.why ? capRows(paragraphRows(props.why, inner, { dim: true }), 3) : [];
  const withWhy = [...title, ...why, ...fields];
  const body = fixed + withWhy.length <= props.maxRows ? withWhy : [...title, ...fields];
  const height = Math.min(props.maxRows, fixed + body.length);
  return { body, tail, message, input, height, bodyRoom: Math.max(1, height - fixed) };
}

/** The prompt; `scroll` (useScroll over its body, held by the screen so it can tell whether all was read). */
export function ApprovalPrompt({ scroll, ...props }: ApprovalPromptProps & { scroll: ScrollView }) {
  const theme = useTheme();
  const { body, tail, message, input } = approvalLayout(props);
  return (
    <Box
      flexDirection="column"
      borderStyle="round"
      borderColor={theme.tone(RISK_TONE[props.approval.risk])}
      paddingX={1}
      width={props.width}
      flexShrink={0}
    >
      <RowList rows={body.slice(scroll.start, scroll.end)} />
      {scroll.indicator ? <RowList rows={[scroll.indicator]} /> : null}
      <RowList rows={tail} />
      {/* The placeholder must not be the answer itself: without colour it would read as already typed. */}
      {input ? (
        <Box>
          <Text>{"> "}</Text>
          <TextInput placeholder={`${props.kind ?? "registry"} name`} onSubmit={props.onConfirm} />
        </Box>
      ) : null}
      <RowList rows={message} />
    </Box>
  );
}
