// The step in focus: what it does, why, its Azure CLI equivalent and the evidence it found.
import type { StepView } from "../../runs/types.js";
import { bulletRows, capRows, commandRows, paragraphRows, type Row } from "../rows.js";
import { RISK_TONE } from "../theme.js";
import { RowList } from "./RowList.js";

/** One evidence line (often an id or a command) takes at most this many rows; the rest is cut with an ellipsis. */
export const EVIDENCE_LINE_ROWS = 3;

/**
 * Evidence lines as bullets under a heading, newest kept when they do not all fit in `maxRows`. Each line wraps (ids
 * and commands are read whole) up to EVIDENCE_LINE_ROWS rows.
 */
export function evidenceRows(evidence: readonly string[], width: number, maxRows: number, heading = "Evidence"): Row[] {
  if (evidence.length === 0 || maxRows < 2) return [];
  const kept: Row[][] = [];
  let used = 1;
  for (const line of [...evidence].reverse()) {
    const rows = capRows(bulletRows(line, width), Math.min(EVIDENCE_LINE_ROWS, maxRows - used));
    if (rows.length === 0) break;
    kept.unshift(rows);
    used += rows.length;
  }
  const title =
    kept.length < evidence.length ? `${heading} (last ${kept.length} of ${evidence.length}):` : `${heading}:`;
  return [[{ text: title, dim: true }], ...kept.flat()];
}

/** The step's rows, at most `maxRows`: title and risk first, then why, the `az` equivalent, and the evidence. */
export function stepDetailRows(step: StepView, width: number, maxRows: number): Row[] {
  const head: Row[] = [
    ...capRows(paragraphRows(step.title, width, { bold: true }), 2),
    [
      { text: `${step.kind} step · risk `, dim: true },
      { text: step.risk, tone: RISK_TONE[step.risk] },
      ...(step.irreversible ? [{ text: " · cannot be undone", tone: "danger" as const }] : []),
    ],
  ];
  const az = step.az ? capRows(commandRows(step.az, width), 6) : [];
  let room = maxRows - head.length - az.length;
  const why = step.why ? capRows(paragraphRows(step.why, width), Math.max(0, Math.min(4, room))) : [];
  room -= why.length;
  return [...head, ...why, ...az, ...evidenceRows(step.evidence ?? [], width, room)].slice(0, Math.max(0, maxRows));
}

export interface StepDetailProps {
  step: StepView;
  width: number;
  maxRows: number;
}

export function StepDetail({ step, width, maxRows }: StepDetailProps) {
  return <RowList rows={stepDetailRows(step, width, maxRows)} />;
}
